// Connection-level half of smtp::client::client_session: input, greeting,
// EHLO/HELO, STARTTLS, AUTH, QUIT and failures. Messages are in
// client_transaction.cpp.
#include "proto/smtp/client/client_session.hpp"

namespace mailroom::smtp::client {
namespace {

// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with CRLF.
constexpr std::size_t max_command_line = 512;

bool plaintext_mechanism(std::string_view m) { return m == "PLAIN" || m == "LOGIN"; }

delivery_status status_of(const reply& r) {
    return r.permanent() ? delivery_status::permanent : delivery_status::temporary;
}

}  // namespace

std::string_view phase_name(phase p) noexcept {
    switch (p) {
        case phase::greeting: return "greeting";
        case phase::ehlo: return "EHLO";
        case phase::helo: return "HELO";
        case phase::starttls: return "STARTTLS";
        case phase::tls_handshake: return "TLS handshake";
        case phase::auth: return "AUTH";
        case phase::sasl: return "SASL";
        case phase::idle: return "idle";
        case phase::mail: return "MAIL FROM";
        case phase::rcpt: return "RCPT TO";
        case phase::data: return "DATA";
        case phase::data_end: return "end of data";
        case phase::rset: return "RSET";
        case phase::quit: return "QUIT";
        case phase::closed: return "closed";
    }
    return "?";
}

client_session::client_session(client_config cfg) : cfg_(std::move(cfg)), reader_(cfg_.limits) {
    tls_active_ = cfg_.tls == tls_policy::implicit;
}

// ---- events ------------------------------------------------------------------------

void client_session::feed(std::string_view bytes) {
    if (phase_ == phase::closed || bytes.empty()) return;
    // Cleartext between our STARTTLS and the handshake would be read as if
    // it came through TLS (RFC 3207 §4.2; the 2011 STARTTLS injection bugs).
    if (phase_ == phase::tls_handshake)
        return fail_connection(close_reason::protocol_error, "server sent cleartext after accepting STARTTLS");
    reader_.feed(bytes);
    process();
}

void client_session::feed_eof() {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::quit) return close(quit_reason_, quit_detail_);
    fail_connection(close_reason::connection_lost,
                    "connection closed by the server while waiting for " + std::string(phase_name(current_phase())));
}

void client_session::timed_out() {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::quit) return close(quit_reason_, quit_detail_);
    fail_connection(close_reason::timeout,
                    "timeout waiting for the reply to " + std::string(phase_name(current_phase())));
}

void client_session::process() {
    while (phase_ != phase::closed) {
        auto next = reader_.next();
        if (std::holds_alternative<std::monostate>(next)) break;
        if (auto* e = std::get_if<reply_error>(&next))
            return fail_connection(close_reason::protocol_error, "protocol error: " + std::string(describe(*e)));
        const auto& r = std::get<reply>(next);
        const auto p = current_phase();
        if (p == phase::idle || p == phase::sasl)
            return fail_connection(close_reason::protocol_error,
                                   "protocol error: reply without a command: " + r.summary());
        // RFC 5321 §3.8: 421 means the server is closing; we send nothing more.
        if (r.code == 421 && p != phase::quit)
            return fail_connection(close_reason::server_closed, "server closing: " + r.summary(), r);
        on_reply(r);
        settle();
    }
}

void client_session::settle() {
    if (spoke_out_of_turn_ && phase_ != phase::closed) {
        spoke_out_of_turn_ = false;
        fail_connection(close_reason::protocol_error, "protocol error: server sent data before our command");
    }
}

void client_session::on_reply(const reply& r) {
    switch (current_phase()) {
        case phase::greeting: return on_greeting(r);
        case phase::ehlo: return on_ehlo(r);
        case phase::helo: return on_helo(r);
        case phase::starttls: return on_starttls(r);
        case phase::auth: return on_auth(r);
        case phase::mail:
        case phase::rcpt:
        case phase::data:
        case phase::data_end: return on_transaction_reply(r);
        case phase::rset:
            if (!r.positive()) return send_quit(close_reason::failed);  // what is left gets a temporary failure
            need_rset_ = false;
            return next_message();
        case phase::quit: return close(quit_reason_, quit_detail_);
        case phase::tls_handshake:
        case phase::sasl:
        case phase::idle:
        case phase::closed: return;
    }
}

void client_session::on_greeting(const reply& r) {
    if (r.code == 220) {
        send("EHLO " + cfg_.helo_name + "\r\n");
        phase_ = phase::ehlo;
        return;
    }
    // RFC 5321 §3.1: 554 (or any refusal) instead of 220 means no service
    // here; the client still says QUIT and waits for its reply.
    if (r.positive() || r.intermediate())
        return fail_connection(close_reason::protocol_error, "protocol error: greeting " + r.summary());
    refuse_session(status_of(r), r, close_reason::failed);
}

void client_session::on_ehlo(const reply& r) {
    if (r.positive()) {
        caps_ = parse_ehlo(r);
        esmtp_ = true;
        return after_hello();
    }
    if (r.permanent()) {  // RFC 5321 §3.2: a server without EHLO; no extensions then
        send("HELO " + cfg_.helo_name + "\r\n");
        phase_ = phase::helo;
        return;
    }
    refuse_session(delivery_status::temporary, r, close_reason::failed);
}

void client_session::on_helo(const reply& r) {
    if (!r.positive())
        return refuse_session(r.permanent() ? delivery_status::permanent : delivery_status::temporary, r,
                              close_reason::failed);
    caps_ = {};
    esmtp_ = false;
    after_hello();
}

void client_session::after_hello() {
    const bool want_tls = cfg_.tls == tls_policy::opportunistic || cfg_.tls == tls_policy::required;
    if (!tls_active_ && want_tls && caps_.starttls) {
        send("STARTTLS\r\n");
        phase_ = phase::starttls;
        return;
    }
    if (!tls_active_ && cfg_.tls == tls_policy::required)
        return refuse_session(delivery_status::temporary,
                              reply::local("4.7.0", "TLS is required but the server does not offer STARTTLS"),
                              close_reason::failed);
    if (cfg_.authenticate && !authenticated_) return begin_auth();
    next_message();
}

void client_session::on_starttls(const reply& r) {
    if (r.code == 220) {
        // Anything already read came before TLS: it must not be taken as
        // the server's word inside it (RFC 3207 §4.2).
        if (reader_.has_unread_bytes())
            return fail_connection(close_reason::protocol_error,
                                   "protocol error: data pipelined after the STARTTLS reply");
        phase_ = phase::tls_handshake;
        out_.emplace_back(start_tls{});
        return;
    }
    if (cfg_.tls == tls_policy::required) return refuse_session(delivery_status::temporary, r, close_reason::failed);
    // Opportunistic: RFC 3207 §4 leaves it to the client to go on in cleartext.
    caps_.starttls = false;
    after_hello();
}

void client_session::tls_started() {
    if (phase_ != phase::tls_handshake) return;
    // RFC 3207 §4.2: forget what the server said before TLS; EHLO again.
    tls_active_ = true;
    caps_ = {};
    esmtp_ = false;
    reader_.clear();
    send("EHLO " + cfg_.helo_name + "\r\n");
    phase_ = phase::ehlo;
    settle();
}

void client_session::tls_failed(std::string why) {
    if (phase_ != phase::tls_handshake) return;
    // The stream is in an unknown state: nothing more can be said on it.
    // The driver may reconnect without TLS when its policy allows.
    fail_connection(close_reason::tls_failed, "TLS handshake failed: " + why);
}

// ---- AUTH (RFC 4954) ----------------------------------------------------------------

void client_session::begin_auth() {
    for (const auto& m : cfg_.sasl_mechanisms) {
        if (!caps_.offers_auth(m)) continue;
        if (plaintext_mechanism(m) && !tls_active_ && !cfg_.plaintext_auth) continue;
        mechanism_ = m;
        sasl_started_ = false;
        phase_ = phase::sasl;
        out_.emplace_back(sasl_start{m});
        return;
    }
    std::string offered;
    for (const auto& m : caps_.auth) offered += (offered.empty() ? "" : " ") + m;
    refuse_session(delivery_status::temporary,
                   reply::local("4.7.0",
                                "no usable AUTH mechanism (server offers: " + (offered.empty() ? "none" : offered) +
                                    (tls_active_ ? ")" : "; PLAIN and LOGIN need TLS)")),
                   close_reason::failed);
}

void client_session::sasl_initial(std::optional<secret> response_b64) {
    if (phase_ != phase::sasl || sasl_started_) return;
    sasl_started_ = true;
    phase_ = phase::auth;
    std::string line = "AUTH " + mechanism_;
    if (response_b64) {
        const auto ir = response_b64->empty() ? std::string_view("=") : response_b64->reveal();  // RFC 4954 §4
        if (line.size() + 1 + ir.size() + 2 <= max_command_line) {
            line += " ";
            line += ir;
        } else {
            pending_ir_ = secret(ir);  // sent after the server's empty 334
        }
    }
    send(line + "\r\n", false, true);
    settle();
}

void client_session::sasl_response(secret response_b64) {
    if (phase_ != phase::sasl || !sasl_started_) return;
    phase_ = phase::auth;
    send(std::string(response_b64.reveal()) + "\r\n", false, true);
    settle();
}

void client_session::sasl_cancel() {
    if (phase_ != phase::sasl) return;
    if (!sasl_started_)
        return refuse_session(delivery_status::temporary,
                              reply::local("4.7.0", "SASL client could not start " + mechanism_), close_reason::failed);
    phase_ = phase::auth;
    send("*\r\n");  // RFC 4954 §4: cancel; the server answers 501
    settle();
}

void client_session::on_auth(const reply& r) {
    if (r.code == 334) {
        const auto challenge = r.lines.front();
        if (pending_ir_) {
            auto ir = std::move(*pending_ir_);
            pending_ir_.reset();
            send(std::string(ir.reveal()) + "\r\n", false, true);
            return;
        }
        phase_ = phase::sasl;
        out_.emplace_back(sasl_step{challenge});
        return;
    }
    if (r.code == 235) {
        authenticated_ = true;
        return next_message();
    }
    if (r.intermediate() || r.positive())
        return fail_connection(close_reason::protocol_error, "protocol error: AUTH reply " + r.summary());
    const bool permanent = r.permanent() && cfg_.auth_failure_permanent;
    refuse_session(permanent ? delivery_status::permanent : delivery_status::temporary, r, close_reason::failed);
}

// ---- output and endings ----------------------------------------------------------

void client_session::send(std::string bytes, bool body, bool sensitive) {
    // Every command answers a complete reply (or a driver event): if the
    // server's bytes are already waiting, it spoke out of turn.
    if (reader_.has_unread_bytes()) {
        spoke_out_of_turn_ = true;
        return;
    }
    out_.emplace_back(send_bytes{std::move(bytes), body, sensitive});
}

void client_session::send_stored(std::shared_ptr<const stored_content> content) {
    if (reader_.has_unread_bytes()) {  // as send()
        spoke_out_of_turn_ = true;
        return;
    }
    out_.emplace_back(send_content{std::move(content)});
}

void client_session::send_quit(close_reason why) {
    abandon_transaction(reply::local("4.4.0", "session ended during " + std::string(phase_name(current_phase()))));
    fail_queued(delivery_status::temporary, reply::local("4.4.0", "not attempted: the session ended early"));
    quit_reason_ = why;
    send("QUIT\r\n");
    phase_ = phase::quit;
}

// The server refused the whole session: every message gets its answer,
// then QUIT politely.
void client_session::refuse_session(delivery_status status, reply response, close_reason why) {
    quit_detail_ = response.code ? response.summary() : response.enhanced + " " + response.lines.front();
    fail_queued(status, response);
    send_quit(why);
}

void client_session::fail_connection(close_reason why, std::string detail, std::optional<reply> response) {
    if (phase_ == phase::closed) return;
    const reply r = response ? *response
                             : reply::local(why == close_reason::protocol_error ? "4.5.0" : "4.4.2", detail);
    abandon_transaction(r);
    fail_queued(delivery_status::temporary, r);
    close(why, std::move(detail));
}

void client_session::close(close_reason why, std::string detail) {
    // Whatever path led here, no recipient is left without an outcome.
    const auto ended = reply::local("4.4.0", "session ended: " + detail);
    abandon_transaction(ended);
    fail_queued(delivery_status::temporary, ended);
    out_.emplace_back(close_connection{why, std::move(detail)});
    phase_ = phase::closed;
    pending_ir_.reset();
}

// ---- queries ---------------------------------------------------------------------

std::optional<action> client_session::next_action() {
    if (out_.empty()) return std::nullopt;
    action a = std::move(out_.front());
    out_.pop_front();
    return a;
}

phase client_session::current_phase() const noexcept {
    if (phase_ != phase::mail || !tx_ || tx_->pending.empty()) return phase_;
    switch (tx_->pending.front().first) {
        case expect::mail: return phase::mail;
        case expect::rcpt: return phase::rcpt;
        case expect::data: return phase::data;
        case expect::data_end:
        case expect::dot_only: return phase::data_end;
    }
    return phase_;
}

std::optional<std::chrono::minutes> client_session::reply_timeout() const noexcept {
    const auto& t = cfg_.timeouts;
    switch (current_phase()) {
        case phase::greeting: return t.greeting;
        case phase::mail: return t.mail;
        case phase::rcpt: return t.rcpt;
        case phase::data: return t.data_initiation;
        case phase::data_end: return t.data_termination;
        case phase::ehlo:
        case phase::helo:
        case phase::starttls:
        case phase::auth:
        case phase::rset:
        case phase::quit: return t.command;
        case phase::tls_handshake:
        case phase::sasl:
        case phase::idle:
        case phase::closed: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace mailroom::smtp::client
