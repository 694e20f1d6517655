// store::change_bus: "mailbox changed" events inside one process. Sessions
// (IMAP IDLE, POP3, the sandbox page) subscribe to a mailbox's event_key;
// delivery, POP3 UPDATE, flag changes and expunges publish. Changes by other
// programs are not seen here: mailbox::changed_since_sync() covers those.
// Thread-safe. Callbacks run on the publisher's thread with the bus locked:
// they must only post work to their own executor (never subscribe/publish).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace mailroom::store {

class change_bus {
public:
    using callback = std::function<void()>;

    // Unsubscribes when destroyed; once the destructor returns, the callback
    // is not running and will not run again.
    class subscription {
    public:
        subscription() = default;
        subscription(change_bus* bus, std::uint64_t id) : bus_(bus), id_(id) {}
        subscription(subscription&& o) noexcept : bus_(o.bus_), id_(o.id_) { o.bus_ = nullptr; }
        subscription& operator=(subscription&& o) noexcept;
        subscription(const subscription&) = delete;
        subscription& operator=(const subscription&) = delete;
        ~subscription() { reset(); }
        void reset();

    private:
        change_bus* bus_ = nullptr;
        std::uint64_t id_ = 0;
    };

    [[nodiscard]] subscription subscribe(const std::string& key, callback cb);
    // Calls every callback subscribed to key; returns how many.
    std::size_t publish(const std::string& key);

private:
    struct entry {
        std::string key;
        callback cb;
    };
    void unsubscribe(std::uint64_t id);

    std::mutex mutex_;
    std::multimap<std::string, std::uint64_t> by_key_;
    std::map<std::uint64_t, entry> entries_;
    std::uint64_t next_id_ = 1;
};

}  // namespace mailroom::store
