// Fuzzes pop3::proxy_front, the POP3 proxy's side toward the mail program:
// the input is a script (fuzz_input) of program writes, split anywhere, and
// answers to the engine's requests (login ok / refused / temporary, CAPA
// lines from a hostile upstream).
// Invariants: every reply is CRLF-terminated lines with no bare CR or LF
// and no other control character; at most one request is outstanding; a
// login is asked only after USER; the engine closes exactly once and asks
// nothing after closing or after handing over to the relay.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "fuzz_input.hpp"
#include "proto/pop3/proxy_front.hpp"

namespace {

using namespace mailroom::pop3;

void check_reply(const std::string& bytes) {
    if (bytes.size() < 2 || bytes.substr(bytes.size() - 2) != "\r\n") std::abort();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n' && (i == 0 || bytes[i - 1] != '\r')) std::abort();
        if (c == '\r' && (i + 1 >= bytes.size() || bytes[i + 1] != '\n')) std::abort();
        if (c < 0x20 && c != '\r' && c != '\n') std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    proxy_front f(front_limits{1 + in.byte() * 4u, 1 + in.byte() % 12u, 1 + in.byte() % 4u});
    bool closed = false, relaying = false;
    for (int rounds = 0; rounds < 10000; ++rounds) {
        while (auto a = f.next_action()) {
            if (closed || relaying) std::abort();
            if (auto* s = std::get_if<front_send>(&*a)) check_reply(s->bytes);
            else if (std::holds_alternative<front_close>(*a)) closed = true;
            else if (std::holds_alternative<front_relay>(*a)) relaying = true;
            else if (auto* l = std::get_if<front_login>(&*a)) {
                if (l->user.empty()) std::abort();
                const auto how = in.byte() % 3;
                std::string text(in.bytes(in.byte() % 40));
                f.login_done(how == 0, how == 1, text);
            } else {
                std::vector<std::string> caps;
                for (int n = in.byte() % 6; n > 0; --n) caps.emplace_back(in.bytes(in.byte() % 20));
                f.capa_ready(caps);
            }
        }
        if (closed || relaying || in.done()) break;
        const auto what = in.byte();
        if (what == 255) f.feed_eof();
        else if (what == 254) f.timed_out();
        else f.feed(in.bytes(1 + what % 64));
    }
    return 0;
}
