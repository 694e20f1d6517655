// Fuzzes the SMTP client session: the server's bytes and their split, the
// configuration and every answer of the driver come from the input.
// Invariants: every recipient of every message added gets exactly one
// outcome; once the input ends (EOF) everything is decided and exactly one
// close was asked for, after which nothing but late results comes; every
// write ends in CRLF; nothing is asked while the session is closed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "proto/smtp/client/client_session.hpp"

using namespace mailroom;
using namespace mailroom::smtp::client;

namespace {

outgoing_message make_message(int n, std::uint8_t flags) {
    outgoing_message m;
    m.id = "m" + std::to_string(n);
    m.sender = flags & 1 ? "" : "a@out.example.test";
    m.recipients = {{"b@in.example.test", 3, "rfc822;b@in.example.test"}, {"c@in.example.test", 0, ""}};
    if (flags & 2) m.recipients.push_back({"j\xc3\xb6rg@in.example.test", 0, ""});
    m.eight_bit = flags & 4;
    m.envid = flags & 8 ? "env 1" : "";
    m.content = flags & 16 ? std::string(300, 'x') : ".x\r\nbody\n.\r\n";
    return m;
}

struct tracker {
    std::map<std::string, int> expected;  // "id/address" -> 1
    std::map<std::string, int> seen;
    int closes = 0;
    bool closed = false;

    void added(const outgoing_message& m) {
        for (const auto& r : m.recipients) ++expected[m.id + "/" + r.address];
    }
    void take(const action& a) {
        if (auto* s = std::get_if<send_bytes>(&a)) {
            if (closed || s->bytes.size() < 2 || s->bytes.compare(s->bytes.size() - 2, 2, "\r\n") != 0) std::abort();
        } else if (auto* d = std::get_if<message_done>(&a)) {
            for (const auto& r : d->recipients) ++seen[d->id + "/" + r.address];
        } else if (std::holds_alternative<close_connection>(a)) {
            if (++closes > 1) std::abort();
            closed = true;
        } else if (closed) {
            std::abort();  // start_tls or SASL after close
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    client_config cfg;
    cfg.tls = static_cast<tls_policy>(flags % 4);
    cfg.authenticate = flags & 4;
    cfg.plaintext_auth = flags & 8;
    cfg.limits.max_line_bytes = 64 + in.byte() * 8u;
    cfg.limits.max_lines = 1 + in.byte() % 40;
    client_session s(cfg);
    tracker t;
    int messages = 0;
    for (; messages < 1 + (flags >> 4) % 3; ++messages) {
        auto m = make_message(messages, in.byte());
        t.added(m);
        s.add_message(std::move(m));
    }
    if (!(flags & 0x80)) s.no_more_messages();

    int steps = 0;
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            t.take(*a);
            if (std::holds_alternative<start_tls>(*a)) {
                if (in.byte() % 4) s.tls_started();
                else s.tls_failed("fuzz");
            } else if (std::holds_alternative<sasl_start>(*a)) {
                const auto b = in.byte();
                if (b % 5 == 0) s.sasl_cancel();
                else if (b % 5 == 1) s.sasl_initial(std::nullopt);
                else s.sasl_initial(secret(std::string(b % 3 ? 8 : 600, 'Q')));
            } else if (std::holds_alternative<sasl_step>(*a)) {
                if (in.byte() % 4) s.sasl_response(secret(std::string_view("cmVzcG9uc2U=")));
                else s.sasl_cancel();
            }
        }
        const auto what = in.byte();
        if (what == 0xff) s.feed_eof();
        else if (what == 0xfe) s.timed_out();
        else if (what == 0xfd && messages < 6) {
            auto m = make_message(messages++, in.byte());
            t.added(m);
            s.add_message(std::move(m));
        } else if (what == 0xfc) s.no_more_messages();
        else s.feed(in.bytes(1 + what % 64));
    }
    s.feed_eof();
    while (auto a = s.next_action()) t.take(*a);
    if (s.current_phase() != phase::closed || t.closes != 1 || t.seen != t.expected) std::abort();
    return 0;
}
