// Fuzzes the whole IMAP session: the listener policy, the client's bytes,
// how they are split, and every answer the driver gives (login verdicts,
// SASL steps, folder lists, mailbox states, sync results, store errors) and
// the unsolicited mailbox_changed() all come from the input.
// Invariants: replies are whole CRLF lines; nothing is asked of the store
// before a login succeeded; no password is checked where plaintext is not
// allowed; nothing at all is asked once the session is closed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"
#include "fuzz_input.hpp"
#include "proto/imap/session.hpp"

namespace {

using namespace mailroom;
using namespace mailroom::imap;

const std::vector<std::string> folders{"INBOX", "Sent", "Work", "Work.Projects", "My Folder", "a.b.c.d"};

bool is_store_request(const action& a) {
    return std::holds_alternative<list_folders>(a) || std::holds_alternative<change_folder>(a) ||
           std::holds_alternative<open_mailbox>(a) || std::holds_alternative<mailbox_status>(a) ||
           std::holds_alternative<close_mailbox>(a) || std::holds_alternative<sync_mailbox>(a);
}

result<mailbox_info> some_info(std::uint8_t b) {
    if (b % 7 == 0) return make_error_code(errc::not_found);
    if (b % 7 == 1) return make_error_code(errc::storage_failure);
    mailbox_info i;
    i.messages = b;
    i.uidnext = b + 1u;
    i.uidvalidity = 42;
    i.unseen = b / 2u;
    i.first_unseen = b / 2u ? 1 : 0;
    return i;
}

std::error_code some_error(std::uint8_t b) {
    switch (b % 5) {
        case 0: return make_error_code(errc::already_exists);
        case 1: return make_error_code(errc::not_found);
        case 2: return make_error_code(errc::invalid_argument);
        case 3: return make_error_code(errc::storage_failure);
        default: return {};
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    listener_policy policy;
    policy.tls_active = flags & 1;
    policy.starttls_offered = flags & 2;
    policy.plaintext_auth = flags & 4;
    if (flags & 8) policy.sasl_mechanisms = {"SCRAM-SHA-256"};
    limits lim;
    lim.max_line_bytes = 64 + in.byte() * 4u;
    lim.max_literal_bytes = in.byte();
    lim.max_bad_commands = 1 + (in.byte() % 20);
    session_limits slim;
    slim.max_auth_failures = 1 + (in.byte() % 6);
    session s(policy, lim, slim);

    int steps = 0;
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            const bool logged_in = s.current_state() == state::authenticated || s.current_state() == state::selected;
            if (is_store_request(*a) && !logged_in) std::abort();
            if (auto* r = std::get_if<send_reply>(&*a)) {
                if (r->bytes.size() < 2 || r->bytes.substr(r->bytes.size() - 2) != "\r\n") std::abort();
            } else if (std::holds_alternative<verify_login>(*a)) {
                if (!s.policy().tls_active && !s.policy().plaintext_auth) std::abort();
                s.login_done({static_cast<login_status>(in.byte() % 3), "user@example.test"});
            } else if (std::holds_alternative<sasl_begin>(*a) || std::holds_alternative<sasl_continue>(*a)) {
                auto b = in.byte();
                if (b % 4 == 0) s.sasl_challenge("Y2hhbGxlbmdl");
                else
                    s.sasl_done(static_cast<login_status>(b % 3), "user@example.test",
                                b & 4 ? std::optional<std::string>("dj1zaWc=") : std::nullopt);
            } else if (std::holds_alternative<list_folders>(*a)) {
                if (in.byte() % 5 == 0) s.folders_listed(make_error_code(errc::storage_failure));
                else s.folders_listed(folders);
            } else if (std::holds_alternative<change_folder>(*a)) {
                s.folder_changed(some_error(in.byte()));
            } else if (std::holds_alternative<open_mailbox>(*a)) {
                s.mailbox_opened(some_info(in.byte()));
            } else if (std::holds_alternative<mailbox_status>(*a)) {
                s.status_ready(some_info(in.byte()));
            } else if (std::holds_alternative<close_mailbox>(*a)) {
                s.mailbox_closed(some_error(in.byte()));
            } else if (std::holds_alternative<sync_mailbox>(*a)) {
                s.mailbox_synced(some_info(in.byte()));
            } else if (std::holds_alternative<start_tls>(*a)) {
                s.tls_started();
            } else if (std::holds_alternative<close_connection>(*a)) {
                if (s.current_state() != state::closed) std::abort();
            }
        }
        if (s.current_state() == state::closed) break;
        const auto what = in.byte();
        if (what == 0xff) s.feed_eof();
        else if (what == 0xfe) s.timed_out();
        else if (what == 0xfd) s.mailbox_changed();
        else s.feed(in.bytes(1 + what % 64));
    }
    return 0;
}
