// smtp::server_session: the SMTP server protocol (RFC 5321, 3207
// STARTTLS, 4954 AUTH, 2920 PIPELINING, 1870 SIZE, 6152 8BITMIME, 2034
// ENHANCEDSTATUSCODES, 6531 SMTPUTF8, 3030 CHUNKING, 3461 DSN) as a state
// machine that knows nothing of sockets, files, TLS, users or the queue.
// Bytes go in with feed(); requests come out of next_action(), one at a
// time; each request that needs an answer gets exactly one through the
// matching method before the session reads more input. Policy (who may
// relay, which recipients exist, who may use which sender) is the
// driver's: the session asks and turns the verdict into the reply.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/action_queue.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/sasl_mechanisms.hpp"
#include "proto/common/actions.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/common/command_table.hpp"
#include "proto/common/input_buffer.hpp"
#include "proto/common/login_throttle.hpp"
#include "proto/common/sasl_dialogue.hpp"
#include "proto/smtp/command.hpp"
#include "proto/smtp/data_decoder.hpp"
#include "proto/smtp/limits.hpp"

namespace mailroom::smtp {

enum class state {
    greeting,  // before EHLO/HELO
    ready,     // greeted, no transaction
    mail,      // MAIL accepted, no recipient yet
    rcpt,      // at least one recipient
    data,      // reading the message after DATA
    bdat,      // reading a BDAT chunk
    closed,
};

// What this listener allows; fixed for the connection except tls_active.
struct listener_policy {
    bool submission = false;        // 587/465 role: AUTH required before MAIL (RFC 6409 §4.3)
    bool tls_active = false;        // implicit TLS (465): true from the start
    bool starttls_offered = false;  // a certificate exists and the listener allows STARTTLS
    bool plaintext_auth = false;    // AUTH PLAIN/LOGIN without TLS
    bool auth_offered = true;       // AUTH advertised at all on this listener
    std::vector<std::string> sasl_mechanisms = default_sasl_mechanisms();
    std::string hostname = "localhost";
};

// ---- requests ----------------------------------------------------------------

// Shared with every engine (proto/common/actions.hpp).
using proto::close_connection;
using proto::close_reason;
using proto::pause;
using proto::sasl_abort;
using proto::sasl_begin;
using proto::sasl_continue;
using proto::send_reply;
using proto::start_tls;
// MAIL FROM: may this client use this sender? (submission: owned by the
// authenticated user). answer: sender_checked()
struct check_sender {
    std::string address; /* "" = null path */
    std::string auth_user;
};
// RCPT TO: local user or alias, or relay allowed? answer: recipient_checked()
struct check_recipient {
    std::string address;
    std::string auth_user;
    std::uint64_t declared_size = 0;  // MAIL's SIZE= (RFC 1870), 0 if none: for quotas
};
struct recipient_info {
    std::string address;
    rcpt_params params;
};
struct transaction_info {
    std::string sender;  // "" = null reverse-path
    mail_params params;
    std::vector<recipient_info> recipients;
    std::string helo;
    std::string auth_user;  // "" when not authenticated
    bool tls = false;
    bool esmtp = true;  // EHLO (vs HELO)
};
// The message text as it arrives, in order: after DATA dot-unstuffed
// with CRLF line ends, after BDAT the chunks' octets; pieces of at most
// server_session::max_body_piece octets. No answer: the driver stores it
// (and remembers a failure for queue_message). The message is every piece
// since the last queue_message or discard_message.
struct message_data {
    std::string bytes;
};
// The text sent so far is refused (over SIZE, bare line ends, a long line)
// or abandoned (RSET after BDAT chunks): drop it. No answer.
struct discard_message {};
// End of data: queue the message durably. answer: message_queued()
struct queue_message {
    transaction_info tx;
    std::uint64_t size = 0;  // octets sent in message_data
};

using action = std::variant<send_reply, start_tls, sasl_begin, sasl_continue, sasl_abort, check_sender, check_recipient,
                            message_data, discard_message, queue_message, pause, close_connection>;

// ---- answers -----------------------------------------------------------------

// The driver's decision; accept = 250, anything else is the reply to send
// (e.g. 550 5.1.1, 554 5.7.1, 451 4.3.0).
struct verdict {
    int code = 250;
    std::string enhanced = "2.0.0";
    std::string text = "Ok";
    bool accepted() const noexcept { return code >= 200 && code < 300; }
};
using auth_status = proto::login_status;

struct session_summary {
    std::string helo;
    std::string auth_user;
    std::string mechanism;
    unsigned messages = 0;  // queued
    unsigned rejected = 0;  // messages refused at end of data
    unsigned auth_failures = 0;
};

class server_session {
public:
    // The largest message_data piece: the text the session holds at once.
    static constexpr std::size_t max_body_piece = 64 * 1024;

    server_session(listener_policy policy, const limits& lim);

    void feed(std::string_view bytes);
    void feed_eof();
    void timed_out();
    // The server is stopping: 421 and close now, or, in DATA/BDAT, once
    // the message has had its reply (RFC 5321 §3.8).
    void shutting_down();

    void tls_started();
    void sasl_challenge(std::string challenge_b64);
    void sasl_done(auth_status status, std::string user, std::optional<std::string> final_b64);
    void sender_checked(verdict v);
    void recipient_checked(verdict v);
    // The queue id once the message is on stable storage, or an error
    // (temporary: 451, the client tries again).
    void message_queued(result<std::string> queue_id);
    // The message refused with the driver's own reply (the proxy passes on
    // the upstream server's 4xx or 5xx); a code outside 400-599 is sent as
    // 451 4.3.0. Control characters in the text become '?'.
    void message_refused(verdict v);

    std::optional<action> next_action();
    state current_state() const noexcept { return state_; }
    const session_summary& summary() const noexcept { return summary_; }
    const listener_policy& policy() const noexcept { return policy_; }
    // RFC 5321 §4.5.3.2.7: the driver's read deadline (and write deadline).
    std::chrono::milliseconds idle_timeout() const noexcept { return lim_.command_timeout; }

private:
    enum class awaiting { nothing, tls, sasl, sender, recipient, queue };

    void process();
    void handle_line(std::string_view line);
    void handle_auth_response(std::string_view line);
    void dispatch(const command& c);
    using command_spec = proto::command_spec<server_session, command, verb>;
    // Row flags: which wrong-state reply a command gets.
    enum flag : unsigned {
        helo_first = 1,       // in the greeting state: "send HELO/EHLO first"
        recipient_first = 2,  // in the mail state: 554 "no valid recipients"
    };
    static std::span<const command_spec> commands();
    void wrong_state(const command_spec& spec);
    void cmd_ehlo(const command& c) { ehlo(c, true); }
    void cmd_helo(const command& c) { ehlo(c, false); }
    void cmd_rset(const command& c);
    void cmd_noop(const command& c);
    void cmd_quit(const command& c);
    void cmd_vrfy(const command& c);
    void cmd_expn(const command& c);
    void cmd_help(const command& c);
    void ehlo(const command& c, bool extended);
    void cmd_mail(const command& c);
    void cmd_rcpt(const command& c);
    void cmd_data(const command& c);
    void cmd_bdat(const command& c);
    void cmd_starttls(const command& c);
    void cmd_auth(const command& c);
    void finish_message(data_decoder::problem problem, std::uint64_t size);
    void feed_data();
    void feed_chunk();
    void send_body(std::string piece);

    bool plaintext_allowed() const { return proto::plaintext_allowed(policy_.tls_active, policy_.plaintext_auth); }
    std::vector<std::string> offered_mechanisms() const;
    void reset_transaction();
    void reply(int code, std::string_view enhanced, std::string_view text);
    void ok(int code, std::string_view enhanced, std::string_view text);   // reply, and the command succeeded
    void bad(int code, std::string_view enhanced, std::string_view text);  // reply, and count a bad command
    void auth_failed();
    void request(action a);
    void close(close_reason why);

    listener_policy policy_;
    limits lim_;
    proto::input_buffer in_;
    state state_ = state::greeting;
    awaiting awaiting_ = awaiting::nothing;
    action_queue<action, send_reply> out_;
    bool esmtp_ = false;
    std::string helo_;
    std::string auth_user_;
    std::string mechanism_;
    proto::sasl_dialogue sasl_;
    proto::login_throttle throttle_;
    transaction_info tx_;
    std::optional<recipient_info> pending_rcpt_;
    std::optional<data_decoder> data_;
    std::string body_;              // BDAT text not yet sent (under max_body_piece)
    std::uint64_t body_size_ = 0;   // BDAT octets of this message so far
    bool body_sent_ = false;        // message_data sent since the last queue/discard
    std::uint64_t chunk_left_ = 0;  // octets of the current BDAT chunk still to read
    bool chunk_last_ = false;
    bool chunk_too_big_ = false;
    bool used_bdat_ = false;
    bool discard_chunk_ = false;  // a refused BDAT: read its chunk, keep nothing
    state chunk_state_before_ = state::ready;
    unsigned bad_commands_ = 0;
    bool eof_ = false;
    bool stopping_ = false;  // shutting_down(): 421 after the current command
    session_summary summary_;
};

}  // namespace mailroom::smtp
