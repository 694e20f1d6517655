// store::mailbox_watcher: learns of changes other programs make to open
// mailboxes (a file dropped into new/ by another MDA, a flag renamed by mutt
// or Dovecot) and publishes the mailbox's event_key on a change_bus, so an
// IDLE session hears of them within a second, not at its next command.
// The interface is the portable part; inotify_watcher is Linux's. One
// watcher per process (made where the server is wired), shared by every
// maildir_store; a mailbox holds a watch while it is open.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace mailroom::store {

class mailbox_watcher {
public:
    // Ends its watch when destroyed (the last one of a directory removes it).
    class watch {
    public:
        virtual ~watch() = default;
    };

    virtual ~mailbox_watcher() = default;
    // Watches dir's new/ and cur/ while the result lives; changes there
    // publish key. Several watches of one directory share one underlying
    // watch (reference-counted). nullptr if the directory cannot be
    // watched (the caller then relies on changed_since_sync()).
    virtual std::unique_ptr<watch> watch_mailbox(const std::filesystem::path& dir, const std::string& key) = 0;
};

}  // namespace mailroom::store
