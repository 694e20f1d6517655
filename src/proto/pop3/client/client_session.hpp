// pop3::client::client_session: the POP3 client (RFC 1939) behind
// `mailroom pop3`, as a state machine without sockets, TLS or crypto:
// greeting → CAPA (RFC 2449) → STLS (RFC 2595, when asked) → login (USER/
// PASS, APOP, SASL per RFC 5034) → the driver's commands → QUIT. Secrets
// stay with the driver: it answers need_password, need_apop_digest and the
// SASL steps. Multi-line bodies come out as body_data pieces (dot-unstuffed,
// byte exact), so RETR of a large message is streamed, never held whole.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/secret.hpp"
#include "proto/pop3/client/reply_reader.hpp"

namespace mailroom::pop3::client {

enum class tls_mode { none, starttls, implicit };

// Login methods, weakest first; `auto` tries the strongest offered of those
// allowed and never a weaker one after a refusal.
enum class auth_method { user, login, plain, apop, cram_md5, scram_sha_1, scram_sha_256 };
std::string_view method_name(auth_method m) noexcept;  // "USER", "APOP", or the SASL name
std::optional<auth_method> parse_method(std::string_view lower_case_name) noexcept;
// True when the method sends the password itself (USER/PASS, PLAIN, LOGIN).
bool sends_password(auth_method m) noexcept;

struct client_config {
    tls_mode tls = tls_mode::starttls;
    std::string user;                  // empty: no login (CAPA only)
    std::vector<auth_method> allowed;  // strongest first when several
    bool allow_plaintext = false;      // password-bearing methods without TLS
    reply_limits limits;
};

// ---- requests ----------------------------------------------------------------
struct send_bytes {
    std::string bytes;
    std::string trace;  // the line for a trace, CRLF removed, secrets masked
};
struct start_tls {};      // answer: tls_started() or tls_failed()
struct need_password {};  // answer: password()
struct need_apop_digest {
    std::string timestamp;  // answer: apop_digest(hex MD5(timestamp + password))
};
struct sasl_start {
    std::string mechanism;  // answer: sasl_initial() or sasl_cancel()
};
struct sasl_step {
    std::string challenge_b64;  // answer: sasl_response() or sasl_cancel()
};
struct server_line {
    std::string text;  // a status line for a trace ("+ ********" for SASL data)
};
struct logged_in {
    std::string method;
};
struct body_data {
    std::string bytes;  // the next piece of a multi-line body
};
struct command_done {
    std::size_t index = 0;  // of add_command, from 0
    bool ok = false;
    std::string text;  // the status line's text
};
enum class close_reason {
    quit,             // QUIT answered
    refused,          // the greeting was -ERR (RFC 1939 §4): the server will not serve us now
    tls_unavailable,  // STLS not offered or refused (--tls starttls); QUIT sent
    login_failed,     // login refused, no usable method, SASL cannot start; QUIT sent
    protocol_error,   // malformed or oversized replies
    connection_lost,  // feed_eof() before the end
    timeout,
    tls_failed,
};
struct close_connection {
    close_reason why;
    std::string detail;  // names the server's reply where there is one
};
using action = std::variant<send_bytes, start_tls, need_password, need_apop_digest, sasl_start, sasl_step, server_line,
                            logged_in, body_data, command_done, close_connection>;

struct command {
    std::string line;         // "STAT", "RETR 3", ... without CRLF (no CR/LF inside)
    bool multi_line = false;  // LIST/UIDL without argument, TOP, RETR (RFC 1939 §5)
    bool message = false;     // RETR/TOP: the larger body limit
};

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
    void apop_digest(secret hex);
    void sasl_initial(std::optional<secret> response_b64);
    void sasl_response(secret response_b64);
    void sasl_cancel();

    std::optional<action> next_action();
    bool closed() const noexcept { return phase_ == phase::closed; }
    // Logged in (or past CAPA without a user) and no command under way: the
    // driver may add the next one.
    bool ready() const noexcept { return phase_ == phase::idle; }

    const std::vector<std::string>& capabilities() const noexcept { return caps_; }  // CAPA lines
    bool tls_active() const noexcept { return tls_active_; }
    const std::string& apop_timestamp() const noexcept { return timestamp_; }

private:
    enum class phase { greeting, capa, stls, tls, login_user, login_pass, apop, sasl, idle, command, quit, closed };

    void process();
    void on_status(const status_line& s);
    bool read_body();
    void after_capa();
    void begin_login();
    void next_command();
    void send(std::string line, std::string trace = {});
    void send_quit(close_reason why, std::string detail);
    void close(close_reason why, std::string detail);
    bool offered(auth_method m) const;
    std::string sasl_offer() const;

    client_config cfg_;
    reply_reader reader_;
    phase phase_ = phase::greeting;
    std::deque<action> out_;
    std::vector<std::string> caps_;
    bool capa_ok_ = false;
    bool capa_after_tls_ = false;
    bool tls_active_ = false;
    std::string timestamp_;
    std::optional<auth_method> method_;
    bool in_body_ = false;
    std::string capa_buf_;
    std::string current_text_;
    bool sasl_sent_ = false;
    std::optional<secret> pending_ir_;
    bool waiting_driver_ = false;
    std::uint64_t body_limit_ = 0;
    std::deque<command> commands_;
    std::size_t next_index_ = 0;
    std::size_t current_index_ = 0;
    std::optional<command> current_;
    bool no_more_ = false;
    close_reason quit_reason_ = close_reason::quit;
    std::string quit_detail_;
};

}  // namespace mailroom::pop3::client
