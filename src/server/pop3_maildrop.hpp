// server::pop3_maildrop: what a POP3 session holds of its mailbox once it
// is logged in - the POP3 lock, the listing it was shown, and the calls the
// driver makes for RETR/TOP and for the UPDATE state. Blocking: every call
// runs on a worker pool. The POP3 driver (pop3_connection.cpp) owns one per
// connection; the mail store (store::mail_store, Maildir) sits behind it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "proto/pop3/server_session.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"

namespace mailroom::server {

class pop3_maildrop {
public:
    // events: where UPDATE publishes "mailbox changed" (none if null).
    explicit pop3_maildrop(store::change_bus* events = nullptr, durable::file_system& fs = durable::real_file_system());

    // Takes the POP3 lock of the user's mailbox for this session
    // (errc::in_use when another POP3 session holds it; RFC 1939 §8),
    // creating the mailbox if missing, and lists its messages. The store's
    // index lock is held only while the listing is made. UIDL is
    // "<uidvalidity><uid>" in 16 hex digits, as in every release.
    result<std::vector<pop3::message_info>> open(const std::filesystem::path& mail_root, const std::string& user);

    // The stored message at `index` (0-based in the listing open() gave),
    // opened for reading in ranges; cached_only: only if that needs no
    // disk access (else std::errc::operation_would_block).
    result<std::unique_ptr<store::message_reader>> open_message(std::size_t index, store::read_mode mode);

    // UPDATE state (RFC 1939 §6): removes the messages whose UIDL is in
    // `uids`; unknown UIDs are ignored. Linear in the mailbox size.
    std::error_code apply_deletes(const std::vector<std::string>& uids);

    bool is_open() const noexcept { return box_ != nullptr; }

private:
    store::change_bus* events_;
    durable::file_system& fs_;
    std::unique_ptr<durable::directory_lock> lock_;
    std::unique_ptr<store::mailbox> box_;
    std::vector<store::message_record> listing_;
    std::uint32_t uidvalidity_ = 0;
};

// The POP3 UIDL of a message: UIDVALIDITY and UID, 8 hex digits each.
std::string pop3_uidl(std::uint32_t uidvalidity, std::uint32_t uid);

}  // namespace mailroom::server
