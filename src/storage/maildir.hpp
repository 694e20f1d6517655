// storage::maildir: the Maildir code of the releases before the mail store
// (src/store/). POP3, local delivery and inject now go through
// store::mail_store; only `mailroom user add` still calls create() here, and
// the UIDL compatibility fixture (tests/unit/store/fixtures/) was made with
// this code. To be removed once nothing calls it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/handles.hpp"
#include "common/result.hpp"
#include "durable/group_commit.hpp"

namespace mailroom::storage {

struct message_entry {
    std::uint32_t uid = 0;        // per-mailbox, ascending by delivery, never reused
    std::string uidl;             // POP3 UIDL string derived from uidvalidity and uid
    std::uint64_t crlf_size = 0;  // octets with CRLF line ends (POP3 LIST/STAT)
    std::filesystem::path path;   // current file
};

// Held while a POP3 session owns the mailbox (RFC 1939 §8: exclusive lock);
// flock() on a lock file, so a second session - in this process or another
// - gets errc::in_use. Released on destruction.
class mailbox_lock {
public:
    mailbox_lock() = default;
    explicit mailbox_lock(unique_fd fd) : fd_(std::move(fd)) {}
    bool held() const noexcept { return static_cast<bool>(fd_); }

private:
    unique_fd fd_;
};

class maildir {
public:
    explicit maildir(std::filesystem::path root);

    // Creates root, new/, cur/, tmp/ if missing (0700).
    std::error_code create() const;

    // Stores a message: line ends normalised to LF, a final LF added if
    // missing; written to tmp/, fdatasync'd, renamed into new/, new/ fsync'd.
    // Returns the file name once it is on stable storage.
    result<std::string> deliver(std::string_view message) const;

    // The first half of deliver(): the message written to tmp/, not synced,
    // with its final name in new/ (root, tmp/, new/ and cur/ are made if
    // tmp/ is missing). A durable::group_commit makes it durable,
    // so several deliveries (one message to many mailboxes, or many
    // sessions at once) share their flushes.
    result<durable::staged_file> stage(std::string_view message, durable::file_system& fs) const;

    result<mailbox_lock> lock_exclusive() const;  // errc::in_use if held elsewhere

    // All messages in new/ and cur/, in UID order; messages without a UID
    // get the next ones (uidlist rewritten atomically). Needs the lock.
    result<std::vector<message_entry>> scan(const mailbox_lock& lock) const;

    result<std::string> read(const message_entry& m) const;

    // Unlinks the messages and fsyncs the directories; the UIDs are never
    // given again. A message already gone counts as removed.
    std::error_code remove(const mailbox_lock& lock, const std::vector<message_entry>& msgs) const;

    const std::filesystem::path& root() const noexcept { return root_; }

private:
    std::filesystem::path root_;
};

// DATA/mail/<domain>/<local>: the mailbox directory of a canonical address.
std::filesystem::path mailbox_path(const std::filesystem::path& mail_root, std::string_view address);

}  // namespace mailroom::storage
