// smtp::client::client_session: the SMTP client (RFC 5321) used for
// outbound delivery, as a state machine that knows nothing of sockets,
// clocks, DNS, TLS libraries or the queue. It reads the server's replies
// from feed(), and asks the driver for everything else through
// next_action(): bytes to send, the TLS handshake, SASL steps (the driver
// holds the credentials and runs GNU SASL: no secret lives in here), and
// per-message results. One connection carries any number of messages:
// add_message() while it runs, no_more_messages() to QUIT.
//
// Extensions: PIPELINING (RFC 2920: MAIL, every RCPT and DATA in one write),
// SIZE (1870), 8BITMIME (6152), SMTPUTF8 (6531), DSN (3461), STARTTLS (3207;
// opportunistic, required or implicit; certificate checks are the driver's),
// AUTH (4954), ENHANCEDSTATUSCODES (2034). Not used: CHUNKING.
//
// Failures are data: every recipient of every message added gets exactly
// one outcome (delivered / temporary / permanent), whatever the server
// does: garbage, 421, a drop or silence in any phase.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/secret.hpp"
#include "proto/smtp/client/ehlo_capabilities.hpp"
#include "proto/smtp/client/limits.hpp"
#include "proto/smtp/client/outgoing_message.hpp"
#include "proto/smtp/client/reply_reader.hpp"

namespace mailroom::smtp::client {

enum class tls_policy {
    none,           // never STARTTLS
    opportunistic,  // STARTTLS when offered (MX delivery, RFC 3207; unverified certificates are fine)
    required,       // STARTTLS or fail (smarthost)
    implicit,       // the driver did the TLS handshake before the greeting (port 465, RFC 8314)
};

struct client_config {
    std::string helo_name = "localhost";
    tls_policy tls = tls_policy::opportunistic;
    bool authenticate = false;                                   // AUTH before the first MAIL (smarthost)
    std::vector<std::string> sasl_mechanisms{"PLAIN", "LOGIN"};  // our preference, upper case
    bool plaintext_auth = false;                                 // allow PLAIN/LOGIN without TLS
    // A refused login bounces every message only when the administrator
    // says so; by default it is a temporary failure (a wrong password is
    // ours to fix, not the senders' problem; Postfix soft-bounces too).
    bool auth_failure_permanent = false;
    reply_limits limits;
    reply_timeouts timeouts;
};

// ---- requests ----------------------------------------------------------------

struct send_bytes {
    std::string bytes;
    bool message_body = false;  // the DATA body: write it under the data_block timeout per write
    bool sensitive = false;     // AUTH data: a trace shows "********"
};
// The DATA body of a message whose content is stored: the driver writes it
// dot-stuffed (smtp::client::dot_stuffer) with its ending CRLF "." CRLF,
// under the data_block timeout per write; if it cannot read it all, it must
// drop the connection (never end the body early) and call feed_eof().
struct send_content {
    std::shared_ptr<const stored_content> content;
};
struct start_tls {};  // answer: tls_started() or tls_failed()
struct sasl_start {
    std::string mechanism;
};  // answer: sasl_initial() or sasl_cancel()
struct sasl_step {
    std::string challenge_b64;
};  // answer: sasl_response() or sasl_cancel()
// Every recipient of one message has its outcome, in the message's order.
struct message_done {
    std::string id;
    std::vector<recipient_outcome> recipients;
    bool dsn_passed_on = false;  // the server offered DSN (else RFC 3461 §4: a "relayed" notice is ours)
};
enum class close_reason {
    quit,             // normal end after QUIT
    failed,           // the server refused the session (greeting, EHLO, TLS, AUTH); QUIT was sent
    server_closed,    // 421 (RFC 5321 §3.8)
    protocol_error,   // unparsable or unexpected replies
    connection_lost,  // feed_eof() before we were done
    timeout,          // timed_out()
    tls_failed,       // tls_failed()
};
struct close_connection {
    close_reason why;
    std::string detail;
};

using action = std::variant<send_bytes, send_content, start_tls, sasl_start, sasl_step, message_done, close_connection>;

// What the session waits for; reply_timeout() gives the RFC 5321 §4.5.3.2 limit.
enum class phase {
    greeting,
    ehlo,
    helo,
    starttls,
    tls_handshake,
    auth,
    sasl,
    idle,
    mail,
    rcpt,
    data,
    data_end,
    rset,
    quit,
    closed,
};
std::string_view phase_name(phase p) noexcept;

class client_session {
public:
    explicit client_session(client_config cfg);

    void add_message(outgoing_message m);
    void no_more_messages();

    void feed(std::string_view bytes);  // any split
    void feed_eof();
    void timed_out();

    void tls_started();
    void tls_failed(std::string why);
    // Answer to sasl_start: the initial response (base64, "" for an empty
    // one), or nullopt when the mechanism starts with a server challenge.
    void sasl_initial(std::optional<secret> response_b64);
    void sasl_response(secret response_b64);  // answer to sasl_step
    void sasl_cancel();                       // the SASL client gave up

    std::optional<action> next_action();
    phase current_phase() const noexcept;
    // How long the driver waits for the server now; nullopt while the
    // session waits for the driver (idle, TLS handshake, SASL) or is closed.
    std::optional<std::chrono::minutes> reply_timeout() const noexcept;

    const ehlo_capabilities& capabilities() const noexcept { return caps_; }
    bool esmtp() const noexcept { return esmtp_; }
    bool tls_active() const noexcept { return tls_active_; }
    bool authenticated() const noexcept { return authenticated_; }

private:
    enum class expect { mail, rcpt, data, data_end, dot_only };
    struct transaction {
        outgoing_message msg;
        std::vector<std::optional<recipient_outcome>> outcomes;  // nullopt: undecided
        std::vector<std::size_t> to_send;                        // recipients that go to the server, in order
        std::size_t next_rcpt = 0;                               // index into to_send (without PIPELINING)
        std::deque<std::pair<expect, std::size_t>> pending;      // replies still due, in order
        std::vector<std::size_t> accepted;
        std::optional<reply> mail_refused;
        bool pipelined = false;
    };

    // connection (client_session.cpp)
    void process();
    void on_reply(const reply& r);
    void on_greeting(const reply& r);
    void on_ehlo(const reply& r);
    void on_helo(const reply& r);
    void on_starttls(const reply& r);
    void on_auth(const reply& r);
    void after_hello();
    void begin_auth();
    void send(std::string bytes, bool body = false, bool sensitive = false);
    void send_stored(std::shared_ptr<const stored_content> content);
    void send_quit(close_reason why);
    void refuse_session(delivery_status status, reply response, close_reason why);
    void fail_connection(close_reason why, std::string detail, std::optional<reply> response = std::nullopt);
    void close(close_reason why, std::string detail);
    void settle();

    // messages (client_transaction.cpp)
    void next_message();
    bool refuse_locally(outgoing_message& m);
    void begin_transaction(outgoing_message m);
    void on_transaction_reply(const reply& r);
    void after_rcpt_reply();
    void finish_transaction();
    void fail_undecided(transaction& tx, delivery_status status, stage where, const reply& response);
    void abandon_transaction(const reply& response);
    void fail_queued(delivery_status status, const reply& response);
    void emit_done(outgoing_message& msg, std::vector<recipient_outcome> outcomes);

    client_config cfg_;
    reply_reader reader_;
    phase phase_ = phase::greeting;
    std::deque<action> out_;
    ehlo_capabilities caps_;
    bool esmtp_ = false;
    bool tls_active_ = false;
    bool authenticated_ = false;
    std::deque<outgoing_message> queued_;
    bool no_more_ = false;
    bool need_rset_ = false;
    std::optional<transaction> tx_;
    std::string mechanism_;
    bool sasl_started_ = false;         // the AUTH line is out: a cancel sends "*"
    std::optional<secret> pending_ir_;  // initial response too long for the AUTH line (RFC 4954 §4)
    close_reason quit_reason_ = close_reason::quit;
    std::string quit_detail_;
    bool spoke_out_of_turn_ = false;  // the server's bytes were waiting when we sent a command
};

}  // namespace mailroom::smtp::client
