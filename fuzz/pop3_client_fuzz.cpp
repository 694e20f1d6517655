// Fuzzes the POP3 client session (the engine behind `mailroom pop3`): the
// server's bytes and their split, the configuration and every driver
// answer come from the input. Invariants: every write is one CRLF-ended
// line; the password never goes out before TLS unless plaintext is allowed;
// body bytes never exceed the limit; once the input ends (EOF) exactly one
// close was asked for, and nothing is asked after it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "proto/pop3/client/client_session.hpp"

using namespace mailroom;
using namespace mailroom::pop3::client;

namespace {

constexpr std::string_view password_mark = "PWMARK";

struct tracker {
    const client_config& cfg;
    const client_session& s;
    int closes = 0;
    std::uint64_t body = 0;

    void take(const action& a) {
        if (closes) std::abort();  // nothing after close
        if (auto* b = std::get_if<send_bytes>(&a)) {
            const auto& x = b->bytes;
            if (x.size() < 2 || x.compare(x.size() - 2, 2, "\r\n") != 0 || x.find('\n') != x.size() - 1) std::abort();
            if (x.find(password_mark) != std::string::npos && !s.tls_active() && !cfg.allow_plaintext) std::abort();
            if (b->trace.find(password_mark) != std::string::npos) std::abort();  // traces are masked
        } else if (auto* d = std::get_if<body_data>(&a)) {
            body += d->bytes.size();
            if (body > cfg.limits.max_body_bytes + cfg.limits.max_listing_bytes) std::abort();
        } else if (std::holds_alternative<close_connection>(a)) {
            ++closes;
        }
    }
};

command make_command(std::uint8_t b) {
    switch (b % 6) {
        case 0: return {"STAT", false, false};
        case 1: return {"LIST", true, false};
        case 2: return {"UIDL", true, false};
        case 3: return {"RETR 1", true, true};
        case 4: return {"TOP 1 0", true, true};
        default: return {"DELE 1", false, false};
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
    for (int i = 0; i < 7; ++i)
        if (m & (1u << i)) cfg.allowed.push_back(static_cast<auth_method>(6 - i));
    cfg.limits.max_line_bytes = 16 + in.byte() * 4u;
    cfg.limits.max_body_bytes = 1 + in.byte() * 64u;
    cfg.limits.max_listing_bytes = 1 + in.byte() * 16u;
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
                s.password(secret(password_mark));
            } else if (std::holds_alternative<need_apop_digest>(*a)) {
                s.apop_digest(secret(std::string_view("0123456789abcdef0123456789abcdef")));
            } else if (auto* st = std::get_if<sasl_start>(&*a)) {
                password_mech = st->mechanism == "PLAIN" || st->mechanism == "LOGIN";
                const std::string pw(password_mech ? password_mark : "c2NyYW0=");
                const auto b = in.byte();
                if (b % 5 == 0) s.sasl_cancel();
                else if (b % 5 == 1) s.sasl_initial(std::nullopt);
                else s.sasl_initial(secret(b % 3 ? pw : std::string(600, 'Q')));
            } else if (std::holds_alternative<sasl_step>(*a)) {
                if (in.byte() % 4)
                    s.sasl_response(secret(password_mech ? password_mark : std::string_view("c2NyYW0=")));
                else s.sasl_cancel();
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
