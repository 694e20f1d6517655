// pop3::proxy_front: what `mailroom proxy pop3` says to the mail program
// before the session is relayed - the AUTHORIZATION state of RFC 1939 §4
// for USER/PASS only (no APOP timestamp, no SASL, no STLS: the program's
// side is plaintext on loopback), CAPA from what the proxy can honour, QUIT.
// PASS becomes a login request; the driver logs in upstream and answers
// with the upstream's verdict. After a successful login the engine hands
// over whatever the program pipelined behind PASS and is done: from then on
// the driver relays bytes. Sans-I/O like the other engines; the driver is
// proxy/pop3_relay.cpp, the fuzz target fuzz/pop3_proxy_front_fuzz.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/action_queue.hpp"
#include "common/secret.hpp"
#include "proto/common/input_buffer.hpp"

namespace mailroom::pop3 {

struct front_limits {
    // RFC 2449 §4 allows 255 octets per command line; a long password
    // gets room, nothing more.
    std::size_t max_line_bytes = 1024;
    unsigned max_bad_commands = 10;  // Dovecot's count before login
    unsigned max_login_failures = 3;
};

enum class front_state { authorization, awaiting, relaying, closed };

struct front_send {
    std::string bytes;
};
// The upstream's capabilities, for CAPA: answer capa_ready().
struct front_need_capabilities {};
// PASS after USER: log in upstream. answer: login_done().
struct front_login {
    std::string user;
    secret password;
};
// Logged in: relay from now on, first `pending` (what the program sent
// after PASS) to the upstream.
struct front_relay {
    std::string pending;
};
enum class front_close_reason { quit, eof, timeout, too_many_errors, login_failures, shutdown };
struct front_close {
    front_close_reason why;
};
using front_action = std::variant<front_send, front_need_capabilities, front_login, front_relay, front_close>;
const char* front_reason_name(front_close_reason r) noexcept;

// The upstream's CAPA lines (RFC 2449 §6) reduced to what the program may
// use through the proxy: USER always; TOP, UIDL, PIPELINING, RESP-CODES,
// EXPIRE, LOGIN-DELAY as upstream has them; never STLS, SASL, UTF8, LANG,
// IMPLEMENTATION or AUTH-RESP-CODE (the proxy does those, or not at all).
std::vector<std::string> honoured_capabilities(const std::vector<std::string>& upstream);

class proxy_front {
public:
    explicit proxy_front(front_limits lim = {});

    void feed(std::string_view bytes);  // any split
    void feed_eof();
    void timed_out();
    void shutting_down();

    // ok: the upstream accepted the login. Otherwise temporary tells a
    // connection or TLS failure ([SYS/TEMP]) from a refusal ([AUTH]); text
    // names the upstream's reply.
    void login_done(bool ok, bool temporary, std::string_view text);
    void capa_ready(const std::vector<std::string>& upstream_capabilities);

    std::optional<front_action> next_action();
    front_state current_state() const noexcept { return state_; }
    unsigned login_failures() const noexcept { return login_failures_; }
    const std::string& user() const noexcept { return user_; }

private:
    void process();
    void handle(std::string_view line);
    void request(front_action a);
    void reply(std::string_view line);
    void bad(std::string_view line);
    void close(front_close_reason why);

    front_limits lim_;
    proto::input_buffer in_;
    front_state state_ = front_state::authorization;
    action_queue<front_action, front_send> out_;
    std::string user_;
    unsigned bad_commands_ = 0;
    unsigned login_failures_ = 0;
    bool eof_ = false;
};

}  // namespace mailroom::pop3
