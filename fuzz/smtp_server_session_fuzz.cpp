// Fuzzes the whole SMTP server session: the policy, the client's bytes and
// their split, and every answer the driver gives come from the input.
// Invariants: replies are whole CRLF lines with a 3-digit code; a message
// is queued only after DATA's CRLF.CRLF or BDAT LAST, with at least one
// accepted recipient, and its size is the message_data sent for it, which
// never exceeds the limit nor comes in pieces over max_body_piece; nothing
// is asked of a closed session.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "fuzz_input.hpp"
#include "proto/smtp/server_session.hpp"

using namespace mailroom;
using namespace mailroom::smtp;

namespace {

void check_reply(const std::string& bytes) {
    if (bytes.size() < 6 || bytes.substr(bytes.size() - 2) != "\r\n") std::abort();
    for (std::size_t start = 0; start < bytes.size();) {
        const auto end = bytes.find("\r\n", start);
        if (end == std::string::npos || end - start < 4) std::abort();
        for (std::size_t k = 0; k < 3; ++k)
            if (bytes[start + k] < '0' || bytes[start + k] > '9') std::abort();
        if (bytes[start + 3] != ' ' && bytes[start + 3] != '-') std::abort();
        start = end + 2;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    listener_policy policy;
    policy.submission = flags & 1;
    policy.tls_active = flags & 2;
    policy.starttls_offered = flags & 4;
    policy.plaintext_auth = flags & 8;
    policy.auth_offered = !(flags & 16);
    limits lim;
    lim.max_message_bytes = 64 + in.byte() * 16u;
    lim.max_recipients = 1 + in.byte() % 5;
    lim.max_bad_commands = 1 + in.byte() % 30;
    server_session s(policy, lim);

    std::uint64_t body = 0;  // message_data octets since the last queue/discard
    int steps = 0;
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            if (auto* r = std::get_if<send_reply>(&*a)) {
                check_reply(r->bytes);
            } else if (std::holds_alternative<check_sender>(*a)) {
                auto b = in.byte();
                s.sender_checked(b % 3 ? verdict{} : verdict{553, "5.7.1", "no"});
            } else if (std::holds_alternative<check_recipient>(*a)) {
                auto b = in.byte();
                s.recipient_checked(b % 3 ? verdict{} : verdict{550, "5.1.1", "unknown"});
            } else if (auto* d = std::get_if<message_data>(&*a)) {
                if (d->bytes.empty() || d->bytes.size() > server_session::max_body_piece) std::abort();
                body += d->bytes.size();
                if (body > lim.max_message_bytes) std::abort();
            } else if (std::holds_alternative<discard_message>(*a)) {
                body = 0;
            } else if (auto* q = std::get_if<queue_message>(&*a)) {
                if (q->tx.recipients.empty() || q->size != body || body > lim.max_message_bytes) std::abort();
                body = 0;
                auto b = in.byte();
                if (b % 4 == 0) s.message_queued(make_error_code(errc::storage_failure));
                else s.message_queued(std::string("id"));
            } else if (std::holds_alternative<sasl_begin>(*a) || std::holds_alternative<sasl_continue>(*a)) {
                auto b = in.byte();
                if (b % 4 == 0) s.sasl_challenge("Y2hhbGxlbmdl");
                else
                    s.sasl_done(static_cast<auth_status>(b % 3), "user@example.test",
                                b & 4 ? std::optional<std::string>("dj1zaWc=") : std::nullopt);
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
        else s.feed(in.bytes(1 + what % 64));
    }
    return 0;
}
