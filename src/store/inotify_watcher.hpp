// store::inotify_watcher: mailbox_watcher on Linux inotify. One inotify
// instance and one thread for the process; a watch per new/ and cur/
// directory, counted by the mailboxes that hold it. Events are coalesced:
// the first one of a quiet spell opens a window (coalesce_window) during
// which more events only mark their mailboxes; at its end each marked key
// is published once on the bus. A queue overflow publishes every key.
// Made once by the server's wiring; the bus must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/handles.hpp"
#include "common/result.hpp"
#include "store/change_bus.hpp"
#include "store/mailbox_watcher.hpp"

namespace mailroom::store {

class inotify_watcher final : public mailbox_watcher {
public:
    static constexpr std::chrono::milliseconds default_coalesce_window{50};

    // errc::storage_failure (with the errno in the log) if inotify is unavailable.
    static result<std::unique_ptr<inotify_watcher>> start(
        change_bus& bus, std::chrono::milliseconds coalesce_window = default_coalesce_window);
    ~inotify_watcher() override;  // stops the thread; outstanding watches become inert

    std::unique_ptr<watch> watch_mailbox(const std::filesystem::path& dir, const std::string& key) override;

    std::size_t directories_watched() const;  // for tests: new/ and cur/ of each watched mailbox

private:
    struct state;
    class handle;
    explicit inotify_watcher(std::shared_ptr<state> s);
    static void run(const std::shared_ptr<state>& s);

    std::shared_ptr<state> state_;
    std::thread thread_;
};

}  // namespace mailroom::store
