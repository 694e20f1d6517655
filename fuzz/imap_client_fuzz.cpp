// Fuzzes the IMAP client session (the engine behind `mailroom imap`) and its
// response reader: the server's bytes and their split, the configuration and
// every driver answer come from the input. Invariants: the password never
// goes out before TLS unless plaintext is allowed, and never into a trace;
// every line the client sends ends in CRLF; a message body comes as
// body_begin, at most its announced size of body_data, body_end, and never
// over the limit; once the input ends (EOF) exactly one close was asked for,
// and nothing is asked after it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "proto/imap/client/client_session.hpp"

using namespace mailroom;
using namespace mailroom::imap::client;

namespace {

constexpr std::string_view password_mark = "PWMARK";

struct tracker {
    const client_config& cfg;
    const client_session& s;
    int closes = 0;
    bool in_body = false;
    std::uint64_t body_size = 0;
    std::uint64_t body_got = 0;
    bool literal_next = false;  // the last line announced a literal: raw bytes may follow

    void take(const action& a) {
        if (closes) std::abort();  // nothing after close
        if (auto* b = std::get_if<send_bytes>(&a)) {
            if (b->bytes.find(password_mark) != std::string::npos && !s.tls_active() && !cfg.allow_plaintext)
                std::abort();
            if (b->trace.find(password_mark) != std::string::npos) std::abort();  // traces are masked
            if (!literal_next && !b->bytes.ends_with("\r\n")) std::abort();
            literal_next = b->bytes.ends_with("}\r\n");
        } else if (auto* bb = std::get_if<body_begin>(&a)) {
            if (in_body || bb->size > cfg.limits.max_message_bytes) std::abort();
            in_body = true;
            body_size = bb->size;
            body_got = 0;
        } else if (auto* d = std::get_if<body_data>(&a)) {
            body_got += d->bytes.size();
            if (!in_body || body_got > body_size) std::abort();
        } else if (std::holds_alternative<body_end>(a)) {
            if (!in_body || body_got != body_size) std::abort();
            in_body = false;
        } else if (std::holds_alternative<close_connection>(a)) {
            ++closes;
        }
    }
};

command make_command(std::uint8_t b) {
    switch (b % 7) {
        case 0: return command("NOOP");
        case 1: return command("SELECT INBOX");
        case 2: return command("UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])");
        case 3: return command("APPEND ").string("Sent Items").text(" ").literal(b % 2 ? 5 : 5000);
        case 4: return command("LIST \"\" *");
        case 5: return command("STATUS ").string("caf\xc3\xa9").text(" (MESSAGES)");
        default: return command("UID SEARCH ALL");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    client_config cfg;
    cfg.tls = static_cast<tls_mode>(flags % 3);
    cfg.user = flags & 4 ? "" : "alice";
    cfg.allow_plaintext = flags & 8;
    const auto m = in.byte();
    for (int i = 0; i < 6; ++i)
        if (m & (1u << i)) cfg.allowed.push_back(static_cast<auth_method>(5 - i));
    cfg.limits.max_line_bytes = 16 + in.byte() * 8u;
    cfg.limits.max_literal_bytes = 1 + in.byte() * 16u;
    cfg.limits.max_message_bytes = 1 + in.byte() * 64u;
    cfg.limits.max_response_bytes = 64 + in.byte() * 64u;
    cfg.limits.max_depth = 1 + in.byte() % 16;
    client_session s(cfg);
    tracker t{cfg, s};
    for (int i = 0; i < (flags >> 4) % 4; ++i) s.add_command(make_command(in.byte()));
    if (!(flags & 0x80)) s.no_more_commands();

    bool password_mech = false;  // PLAIN/LOGIN carry the password; SCRAM/CRAM data does not
    int steps = 0;
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            t.take(*a);
            if (std::holds_alternative<start_tls>(*a)) {
                if (in.byte() % 4) s.tls_started();
                else s.tls_failed("fuzz");
            } else if (std::holds_alternative<need_password>(*a)) {
                // An 8-bit password goes as a literal: both paths carry the mark.
                s.password(
                    secret(in.byte() % 2 ? std::string(password_mark) : std::string(password_mark) + "\xc3\xa4"));
            } else if (auto* st = std::get_if<sasl_start>(&*a)) {
                password_mech = st->mechanism == "PLAIN" || st->mechanism == "LOGIN";
                const std::string pw(password_mech ? password_mark : "c2NyYW0=");
                const auto b = in.byte();
                if (b % 5 == 0) s.sasl_cancel();
                else if (b % 5 == 1) s.sasl_initial(std::nullopt);
                else s.sasl_initial(secret(b % 3 ? pw : std::string()));
            } else if (std::holds_alternative<sasl_step>(*a)) {
                if (in.byte() % 4)
                    s.sasl_response(secret(password_mech ? password_mark : std::string_view("c2NyYW0=")));
                else s.sasl_cancel();
            } else if (std::holds_alternative<send_literal>(*a)) {
                s.literal_sent();
            }
        }
        const auto what = in.byte();
        if (what == 0xff) s.feed_eof();
        else if (what == 0xfe) s.timed_out();
        else if (what == 0xfd) s.add_command(make_command(in.byte()));
        else if (what == 0xfc) s.no_more_commands();
        else s.feed(in.bytes(1 + what % 64));
    }
    s.feed_eof();
    while (auto a = s.next_action()) t.take(*a);
    if (!s.closed() || t.closes != 1) std::abort();
    return 0;
}
