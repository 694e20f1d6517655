// server::pop3_maildrop: what a POP3 session holds of its mailbox once it
// is logged in - the lock, the listing it was shown, and the calls the
// driver makes for RETR/TOP and for the UPDATE state. Blocking: every call
// runs on a worker pool. The POP3 driver (pop3_connection.cpp) owns one per
// connection; the mail store sits behind it, so the driver never touches
// files itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "proto/pop3/server_session.hpp"
#include "storage/maildir.hpp"

namespace mailroom::server {

class pop3_maildrop {
public:
    // Locks the user's mailbox for this session (errc::in_use when another
    // session holds it), creating it if missing, and lists its messages.
    result<std::vector<pop3::message_info>> open(const std::filesystem::path& mail_root, const std::string& user);

    // The stored message at `index` (0-based in the listing open() gave).
    result<std::string> read(std::size_t index) const;

    // UPDATE state (RFC 1939 §6): removes the messages whose UIDL is in
    // `uids`; unknown UIDs are ignored. Linear in the mailbox size.
    std::error_code apply_deletes(const std::vector<std::string>& uids) const;

    bool is_open() const noexcept { return box_.has_value(); }

private:
    std::optional<storage::maildir> box_;
    storage::mailbox_lock lock_;
    std::vector<storage::message_entry> entries_;
};

}  // namespace mailroom::server
