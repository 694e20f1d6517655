// pop3::server_session: the POP3 server protocol (RFC 1939, 2449, 2595,
// 3206, 5034, 6856) as a state machine that knows nothing of sockets,
// files, TLS or passwords. Bytes from the client go in with feed(); what the
// session needs done comes out of next_action(), one at a time; each request
// gets exactly one answer through the matching method before the session
// consumes more input. Called by net::run_engine (production) and the
// transcript tests (tests/transcripts/pop3/).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "common/action_queue.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/sasl_mechanisms.hpp"
#include "common/secret.hpp"
#include "proto/common/actions.hpp"
#include "proto/common/command_table.hpp"
#include "proto/common/input_buffer.hpp"
#include "proto/common/login_throttle.hpp"
#include "proto/common/sasl_dialogue.hpp"
#include "proto/pop3/limits.hpp"
#include "proto/pop3/message_encoding.hpp"

namespace mailroom::pop3 {

struct command;   // proto/pop3/command.hpp
enum class verb;  // proto/pop3/command.hpp

enum class state { authorization, transaction, update, closed };

// What this listener allows; fixed for the connection except tls_active.
struct listener_policy {
    bool tls_active = false;      // implicit-TLS listener: true from the start
    bool stls_offered = false;    // listener tls=starttls and a certificate exists
    bool plaintext_auth = false;  // USER/PASS, AUTH PLAIN/LOGIN allowed without TLS
    bool apop = true;             // timestamp in the greeting, APOP accepted
    // Configured SASL mechanisms, upper case, in the order CAPA lists them.
    // PLAIN and LOGIN are offered only where plaintext is allowed (TLS, or
    // plaintext_auth).
    std::vector<std::string> sasl_mechanisms = default_sasl_mechanisms();
    std::string hostname = "localhost";       // in the APOP timestamp
    std::string implementation = "mailroom";  // CAPA IMPLEMENTATION
};

// Deterministic sources for the APOP timestamp (fixed in tests).
struct session_env {
    const clock& clk;
    random_source& rnd;
    std::uint32_t process_id = 0;
};

// ---- requests (actions) ----------------------------------------------------

// Shared with every engine (proto/common/actions.hpp).
using proto::close_connection;
using proto::close_reason;
using proto::pause;
using proto::sasl_abort;
using proto::sasl_begin;
using proto::sasl_continue;
using proto::send_reply;
using proto::start_tls;
struct password_login {
    std::string user;
    secret password;
};  // USER/PASS
struct apop_login {
    std::string user;
    std::string timestamp;
    std::string digest_hex;
};
using login_credentials = std::variant<password_login, apop_login>;
struct verify_login {
    login_credentials cred;
};  // answer: login_done()
struct open_maildrop {
    std::string user;
};  // answer: maildrop_opened()
// The next range of a message for RETR/TOP: at most max_bytes from offset
// (offset 0 first, then where the last range ended; each after the previous
// range's reply was sent). index: 0-based in the listing. Answer:
// message_data(); fewer than max_bytes means the message ended there.
struct read_message {
    std::size_t index;
    std::uint64_t offset;
    std::size_t max_bytes;
};
struct close_message {};  // TOP has its lines before the end: drop the reader; no answer
struct apply_deletes {
    std::vector<std::string> uids;
};  // answer: deletes_applied()

using action = std::variant<send_reply, start_tls, verify_login, sasl_begin, sasl_continue, sasl_abort, open_maildrop,
                            read_message, close_message, apply_deletes, pause, close_connection>;

// ---- answers -----------------------------------------------------------------

using proto::login_status;
struct login_verdict {
    login_status status = login_status::bad_credentials;
    std::string user;  // canonical address when ok
};

struct message_info {
    std::string uid;         // UIDL: 1..70 chars in 0x21..0x7E, stable
    std::uint64_t size = 0;  // octets as sent: CRLF line ends, before dot-stuffing
};

// Counts for the session's closing log line.
struct session_summary {
    std::string user;
    std::string mechanism;  // USER, APOP, or the SASL mechanism
    unsigned retrieved = 0;
    std::uint64_t retrieved_bytes = 0;
    unsigned deleted = 0;
    unsigned auth_failures = 0;
};

class server_session {
public:
    server_session(listener_policy policy, const limits& lim, session_env env);

    void feed(std::string_view bytes);  // any split: whole, per line, per byte
    void feed_eof();
    void timed_out();
    // The server is stopping: -ERR and close, without UPDATE (RFC 1939 §6).
    void shutting_down();

    void tls_started();
    void login_done(login_verdict v);
    void sasl_challenge(std::string challenge_b64);  // "+ challenge", more to come
    // The exchange ended. On success with final data (SCRAM server-final),
    // the client is sent "+ data" and must answer an empty line first.
    void sasl_done(login_status status, std::string user, std::optional<std::string> final_b64);
    void maildrop_opened(result<std::vector<message_info>> listing);  // errc::in_use → [IN-USE]
    // The range read_message asked for, as stored (LF or CRLF line ends);
    // the session sends it with CRLF line ends and dot-stuffing, whole (RETR)
    // or cut (TOP). The bytes are copied before the call returns. An error
    // on the first range is an -ERR; on a later one the connection closes
    // (part of the message is out: the client must not take it for whole).
    void message_data(result<std::string_view> bytes);
    void deletes_applied(std::error_code ec);

    std::optional<action> next_action();  // nullopt: wants more input
    state current_state() const noexcept;
    const session_summary& summary() const noexcept;
    const listener_policy& policy() const noexcept;
    // RFC 1939 §3 autologout: the driver's read deadline (and write deadline).
    std::chrono::milliseconds idle_timeout() const noexcept { return lim_.autologout; }

private:
    // The one answer the session waits for; no input is read meanwhile.
    enum class awaiting { nothing, tls, login, sasl, maildrop, message, deletes };

    void process();
    void handle_line(std::string_view line);
    void handle_sasl_response(std::string_view line);
    void handle_too_long_line();
    void dispatch(const command& c);
    using command_spec = proto::command_spec<server_session, command, verb>;
    enum flag : unsigned { plaintext_policy = 1 };  // refused without TLS unless plaintext_auth
    static std::span<const command_spec> commands();

    // AUTHORIZATION state (RFC 1939 §4, §7; RFC 2449; RFC 2595; RFC 5034; RFC 6856)
    void cmd_user(const command& c);
    void cmd_pass(const command& c);
    void cmd_apop(const command& c);
    void cmd_auth(const command& c);
    void cmd_stls(const command& c);
    void cmd_utf8(const command& c);
    // Both states
    void cmd_capa(const command& c);
    void cmd_quit(const command& c);
    // TRANSACTION state (RFC 1939 §5, §7)
    void cmd_stat(const command& c);
    void cmd_list(const command& c) { list_or_uidl(c, false); }
    void cmd_uidl(const command& c) { list_or_uidl(c, true); }
    void cmd_retr(const command& c) { retr_or_top(c, false); }
    void cmd_top(const command& c) { retr_or_top(c, true); }
    void list_or_uidl(const command& c, bool uidl);
    void retr_or_top(const command& c, bool top);  // retrieval.cpp
    void cmd_dele(const command& c);
    void cmd_noop(const command& c);
    void cmd_rset(const command& c);

    // A 1-based message number that names a message not marked deleted.
    std::optional<std::size_t> live_message(std::string_view arg);
    void reply(std::string_view line);  // CRLF appended
    void ok(std::string_view line);     // reply + the command succeeded
    void bad(std::string_view line);    // reply + counts toward the bad-command limit
    // A refusal that is no protocol error once logged in (a message that
    // is gone): counts only in AUTHORIZATION.
    void refuse(std::string_view line);
    // RFC 2595 §4: after STLS nothing the client said before counts.
    void forget_client_state();
    void login_failed();
    void login_succeeded(std::string user);
    void request(action a);
    void close(close_reason why);

    listener_policy policy_;
    limits lim_;
    session_env env_;
    proto::input_buffer in_;
    state state_ = state::authorization;
    awaiting awaiting_ = awaiting::nothing;
    action_queue<action, send_reply> out_;
    std::string apop_timestamp_;       // empty when APOP is off
    std::optional<std::string> user_;  // from USER, for PASS
    std::string mechanism_;            // of the login under way
    proto::sasl_dialogue sasl_;
    proto::login_throttle throttle_;
    std::vector<message_info> messages_;
    std::vector<bool> deleted_;
    struct retrieval {  // the RETR/TOP under way (retrieval.cpp)
        std::size_t index = 0;
        std::uint64_t offset = 0;  // of the next range
        std::size_t range = 0;     // its size, as asked for
        bool top = false;
        message_encoder encoder;
    };
    std::optional<retrieval> retrieval_;
    unsigned bad_commands_ = 0;
    bool eof_ = false;
    session_summary summary_;
};

}  // namespace mailroom::pop3
