// imap::client::client_session: the IMAP client (RFC 9051, RFC 3501) behind
// `mailroom imap`, as a state machine without sockets, TLS or crypto:
// greeting (OK / PREAUTH / BYE) → CAPABILITY → STARTTLS (when asked) →
// LOGIN or AUTHENTICATE (SASL-IR when offered) → the driver's commands, one
// at a time with generated tags → LOGOUT. Secrets stay with the driver (it
// answers need_password and the SASL steps). A FETCHed message comes out as
// body_begin / body_data... / body_end, never held whole; other untagged
// responses are handed on whole (decoders in responses.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/secret.hpp"
#include "proto/imap/client/command.hpp"
#include "proto/imap/client/response_reader.hpp"

namespace mailroom::imap::client {

enum class tls_mode { none, starttls, implicit };

// Login methods, weakest first; the session tries the strongest offered of
// those allowed and never a weaker one after a refusal.
enum class auth_method { login, sasl_login, plain, cram_md5, scram_sha_1, scram_sha_256 };
// The `--auth` word: "login" (the LOGIN command), "sasl-login", "plain", "cram-md5", ...
std::string_view method_name(auth_method m) noexcept;
std::optional<auth_method> parse_method(std::string_view lower_case_name) noexcept;
// The SASL mechanism name (empty for the LOGIN command).
std::string_view mechanism(auth_method m) noexcept;
bool sends_password(auth_method m) noexcept;  // LOGIN, AUTHENTICATE PLAIN or LOGIN
// "NO [CODE args] text" as the server said it, for error messages.
std::string describe_reply(const response& r);

struct client_config {
    tls_mode tls = tls_mode::starttls;
    std::string user;                  // empty: no login (CAPABILITY only)
    std::vector<auth_method> allowed;  // strongest first when several
    bool allow_plaintext = false;      // password-bearing methods without TLS
    response_limits limits;
};

// ---- requests ----------------------------------------------------------------
struct send_bytes {
    std::string bytes;
    std::string trace;  // for a trace: the line without CRLF, secrets masked
};
struct send_literal {
    std::uint64_t size = 0;  // the driver writes exactly this many bytes, then literal_sent()
};
struct start_tls {};      // answer: tls_started() or tls_failed()
struct need_password {};  // answer: password()
struct sasl_start {
    std::string mechanism;  // answer: sasl_initial() or sasl_cancel()
};
struct sasl_step {
    std::string challenge_b64;  // answer: sasl_response() or sasl_cancel()
};
struct server_line {
    std::string text;  // one line read, for a trace ("+ ********" for SASL data)
};
struct logged_in {
    std::string method;  // "LOGIN", the SASL mechanism, or "PREAUTH"
};
struct untagged {
    response r;  // a data or status response while a driver command runs
};
struct body_begin {
    std::uint64_t size = 0;
    std::string item;  // "BODY[]", "BINARY[]", "RFC822"...
};
struct body_data {
    std::string bytes;
};
struct body_end {};
struct command_done {
    std::size_t index = 0;        // of add_command, from 0
    status state = status::none;  // ok, no or bad
    std::string code;             // the response code's name, upper case ("APPENDUID")
    std::string code_args;        // its arguments, raw
    std::string text;
};
enum class close_reason {
    quit,             // LOGOUT answered
    refused,          // greeting BYE
    no_tls,           // STARTTLS missing or refused, PREAUTH in clear while TLS was required
    login_failed,     // login refused or no allowed method offered
    protocol_error,   // malformed, oversized or out-of-turn responses
    connection_lost,  // feed_eof() before the end, or an unsolicited BYE
    timeout,
    tls_failed,  // the handshake failed
};
struct close_connection {
    close_reason why;
    std::string detail;  // names the server's reply where there is one
};
using action = std::variant<send_bytes, send_literal, start_tls, need_password, sasl_start, sasl_step, server_line,
                            logged_in, untagged, body_begin, body_data, body_end, command_done, close_connection>;

class client_session {
public:
    explicit client_session(client_config cfg);

    void add_command(command c);
    void no_more_commands();

    void feed(std::string_view bytes);  // any split
    void feed_eof();
    void timed_out();

    void tls_started();
    void tls_failed(std::string why);
    void password(secret pw);
    void sasl_initial(std::optional<secret> response_b64);
    void sasl_response(secret response_b64);
    void sasl_cancel();
    void literal_sent();  // after send_literal

    std::optional<action> next_action();
    bool closed() const noexcept { return phase_ == phase::closed; }
    // Logged in (or no user) and waiting for the driver's next command.
    bool ready() const noexcept { return phase_ == phase::idle; }

    const std::vector<std::string>& capabilities() const noexcept { return caps_; }
    bool has_capability(std::string_view name) const noexcept;  // case-insensitive
    bool tls_active() const noexcept { return tls_active_; }

private:
    enum class phase { greeting, capability, starttls, tls, login, sasl, relearn, idle, command, logout, closed };
    struct running {
        command cmd;
        std::size_t next_piece = 0;
        std::size_t index = 0;
        std::string tag;
        bool started = false;                // the tag is sent
        bool marker_sent = false;            // the next literal's "{n}" is sent
        bool awaiting_continuation = false;  // for that literal's "+"
    };

    void process();
    void on_line(const std::string& text);
    void on_response(response& r);
    void on_untagged(response& r);
    void on_tagged(const response& r);
    void on_continuation(const continuation_request& c);
    void after_capability();
    void after_login(const response& r);
    void begin_login();
    void next_command();
    void start(command c, phase p, std::size_t index = 0);
    void pump();
    void send(std::string bytes, std::string trace);
    void logout(close_reason why, std::string detail);
    void close(close_reason why, std::string detail);
    void set_capabilities(std::string_view words);
    bool offered(auth_method m) const;

    client_config cfg_;
    response_reader reader_;
    phase phase_ = phase::greeting;
    std::deque<action> out_;
    std::vector<std::string> caps_;
    bool caps_known_ = false;
    bool tls_active_ = false;
    bool waiting_driver_ = false;
    std::optional<running> current_;
    unsigned next_tag_ = 1;
    std::optional<auth_method> method_;
    bool sasl_sent_ = false;
    std::optional<secret> pending_ir_;
    std::deque<command> commands_;
    std::size_t next_index_ = 0;
    bool no_more_ = false;
    close_reason quit_reason_ = close_reason::quit;
    std::string quit_detail_;
};

}  // namespace mailroom::imap::client
