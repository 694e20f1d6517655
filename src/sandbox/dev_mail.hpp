// sandbox::dev_mail: the captured mail of `mailroom dev` as the HTTP API
// sees it - the INBOX of every mailbox under dev_context.mail_root
// (DATA/mail/<domain>/<local>), read, expunged and appended through the
// store (store::maildir), never by parsing files here. Message ids are
// "<mailbox>:<uid>" ("bob@example.org:3"): stable, never reused (UIDs are
// not), opaque to clients. Blocking: called from the API's handlers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/result.hpp"
#include "durable/group_commit.hpp"
#include "sandbox/message_id.hpp"

namespace mailroom::sandbox {

struct stored_message {
    message_ref ref;
    std::uint64_t size = 0;
    std::int64_t received = 0;  // seconds since the epoch (the store's internal date)
};

class dev_mail {
public:
    explicit dev_mail(std::filesystem::path mail_root) : root_(std::move(mail_root)) {}

    // Every mailbox that exists, sorted.
    std::vector<std::string> mailboxes() const;
    // Its messages, ascending UID; empty if the mailbox does not exist.
    result<std::vector<stored_message>> messages(const std::string& mailbox) const;
    // Every mailbox's messages, newest first (received, then UID).
    std::vector<stored_message> all_messages() const;
    // The bytes as stored; errc::not_found if absent. Bounded by max_bytes.
    result<std::string> read(const message_ref& ref, std::size_t max_bytes) const;
    std::optional<stored_message> find(const message_ref& ref) const;
    // Expunges; returns false if it was not there.
    result<bool> remove(const message_ref& ref);
    // Expunges every message of the mailbox (UIDs stay used); errc::not_found if none.
    std::error_code clear_mailbox(const std::string& mailbox);
    std::error_code clear_all();
    // Appends raw bytes to the INBOX of each mailbox (created if needed);
    // returns the new messages in order.
    result<std::vector<message_ref>> inject(const std::vector<std::string>& mailboxes, std::string_view bytes);

private:
    std::filesystem::path root_;
    mutable durable::group_commit commits_{durable::real_file_system()};
};

}  // namespace mailroom::sandbox
