// net::connection_limits: how many connections a listener holds in total
// and per client address (DESIGN.md "Untrusted input"). Used only from the
// event-loop thread, so no locking. A slot gives its place back on release.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace mailroom::net {

class connection_limits {
public:
    connection_limits(unsigned max_total, unsigned max_per_ip)
        : max_total_(max_total), max_per_ip_(max_per_ip) {}

    class slot {
    public:
        slot(connection_limits* owner, std::string ip) : owner_(owner), ip_(std::move(ip)) {}
        slot(slot&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), ip_(std::move(o.ip_)) {}
        slot(const slot&) = delete;
        slot& operator=(const slot&) = delete;
        slot& operator=(slot&&) = delete;
        ~slot() { if (owner_) owner_->release(ip_); }
    private:
        connection_limits* owner_;
        std::string ip_;
    };

    // A slot, or nullptr when the listener or this address is full.
    std::unique_ptr<slot> try_acquire(const std::string& ip);
    unsigned active() const noexcept { return total_; }

private:
    void release(const std::string& ip);
    unsigned max_total_;
    unsigned max_per_ip_;
    unsigned total_ = 0;
    std::unordered_map<std::string, unsigned> per_ip_;
};

}  // namespace mailroom::net
