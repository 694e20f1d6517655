// Fuzzes the whole POP3 server session: the policy, the client's bytes, how
// they are split, and every answer the driver gives (login verdicts, SASL
// challenges, maildrop and message contents) come from the input.
// Invariants: whenever the session waits for input its replies so far end
// in CRLF (a streamed message may end a send mid-line), it never asks for
// anything while closed, every requested message index exists, and each
// range read starts inside the message and is at most message_range_bytes
// (small here, so messages come in many ranges).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/errors.hpp"
#include "fuzz_input.hpp"
#include "proto/pop3/server_session.hpp"

namespace {

using namespace mailroom;
using namespace mailroom::pop3;

class fixed_clock final : public mailroom::clock {
public:
    std::chrono::system_clock::time_point now() const override { return {}; }
};
class counter_random final : public random_source {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = n_++;
    }

private:
    std::uint8_t n_ = 0;
};

const std::vector<std::string> messages{"Subject: a\n\nbody\n", ".\r\n..\r\n", "", "no newline",
                                        "H: x\n\n" + std::string(300, '.') + "\n"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    const auto flags = in.byte();
    listener_policy policy;
    policy.tls_active = flags & 1;
    policy.stls_offered = flags & 2;
    policy.plaintext_auth = flags & 4;
    policy.apop = flags & 8;
    if (flags & 16) policy.sasl_mechanisms = {"SCRAM-SHA-256"};
    limits lim;
    lim.max_command_line = 64 + in.byte();
    lim.max_bad_commands = 1 + (in.byte() % 20);
    lim.max_auth_failures = 1 + (in.byte() % 6);
    lim.max_bad_commands_after_login = 1 + (in.byte() % 30);
    lim.message_range_bytes = 1 + (in.byte() % 16);
    fixed_clock clk;
    counter_random rnd;
    server_session s(policy, lim, session_env{clk, rnd, 1});

    std::vector<message_info> listing;
    for (const auto& m : messages) listing.push_back({"uid" + std::to_string(listing.size()), m.size()});

    int steps = 0;
    std::string last_two;  // of everything sent
    while (!in.done() && ++steps < 10000) {
        while (auto a = s.next_action()) {
            if (auto* r = std::get_if<send_reply>(&*a)) {
                if (r->bytes.empty()) std::abort();
                const std::string tail = last_two + r->bytes;
                last_two = tail.substr(tail.size() - std::min<std::size_t>(2, tail.size()));
            } else if (std::holds_alternative<verify_login>(*a)) {
                auto b = in.byte();
                s.login_done({static_cast<login_status>(b % 3), "user@example.test"});
            } else if (std::holds_alternative<sasl_begin>(*a) || std::holds_alternative<sasl_continue>(*a)) {
                auto b = in.byte();
                if (b % 4 == 0) s.sasl_challenge("Y2hhbGxlbmdl");
                else
                    s.sasl_done(static_cast<login_status>(b % 3), "user@example.test",
                                b & 4 ? std::optional<std::string>("dj1zaWc=") : std::nullopt);
            } else if (std::holds_alternative<open_maildrop>(*a)) {
                auto b = in.byte();
                if (b % 3 == 0) s.maildrop_opened(make_error_code(errc::in_use));
                else s.maildrop_opened(listing);
            } else if (auto* rm = std::get_if<read_message>(&*a)) {
                if (rm->index >= listing.size()) std::abort();
                const std::string_view m = messages[rm->index];
                if (rm->offset > m.size() || rm->max_bytes == 0 || rm->max_bytes > lim.message_range_bytes)
                    std::abort();
                auto b = in.byte();
                if (b % 5 == 0) s.message_data(make_error_code(b % 2 ? errc::storage_failure : errc::not_found));
                else s.message_data(m.substr(static_cast<std::size_t>(rm->offset), rm->max_bytes));
            } else if (std::holds_alternative<apply_deletes>(*a)) {
                s.deletes_applied(in.byte() % 2 ? std::error_code{} : make_error_code(errc::storage_failure));
            } else if (std::holds_alternative<start_tls>(*a)) {
                s.tls_started();
            } else if (std::holds_alternative<close_connection>(*a)) {
                if (s.current_state() != state::closed) std::abort();
            }
        }
        if (s.current_state() == state::closed) break;  // a read error may end a message mid-line
        if (!last_two.empty() && last_two != "\r\n") std::abort();
        const auto what = in.byte();
        if (what == 0xff) s.feed_eof();
        else if (what == 0xfe) s.timed_out();
        else s.feed(in.bytes(1 + what % 64));
    }
    return 0;
}
