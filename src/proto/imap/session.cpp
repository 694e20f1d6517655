// imap::session: input, the command table, output and the answers to the
// shared requests (TLS, login, SASL). Command handlers are in cmd_*.cpp.
#include "proto/imap/session.hpp"

#include "proto/common/auth_policy.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/command_parser.hpp"

namespace mailroom::imap {
namespace {

// Replies queued before input processing pauses: a client that pipelines
// without reading must not grow our memory (as POP3 and SMTP).
constexpr std::size_t max_reply_backlog = 64 * 1024;

constexpr std::string_view wrong_state_text = "Command not valid in this state.";

}  // namespace

session::session(listener_policy policy, const limits& lim, const session_limits& slim)
    : policy_(std::move(policy)), lim_(lim), in_(lim.max_line_bytes), reader_(in_, lim_),
      throttle_({slim.max_auth_failures, slim.auth_failure_delay, slim.max_auth_failure_delay}) {
    // RFC 9051 §7.1.1: the greeting may carry the capabilities, saving a round trip.
    untagged("OK [CAPABILITY " + capabilities() + "] " + policy_.implementation + " ready.");
}

// ---- the command table -------------------------------------------------------

std::span<const session::command_row> session::commands() {
    using proto::in;
    constexpr auto any = in(state::not_authenticated, state::authenticated, state::selected);
    constexpr auto pre = in(state::not_authenticated);
    constexpr auto auth = in(state::authenticated, state::selected);
    constexpr auto sel = in(state::selected);
    static constexpr command_row table[] = {
        {"CAPABILITY", &session::cmd_capability, any, 0},
        {"NOOP", &session::cmd_noop, any, 0},
        {"LOGOUT", &session::cmd_logout, any, 0},
        {"ID", &session::cmd_id, any, 0},
        {"STARTTLS", &session::cmd_starttls, pre, ends_pipeline},
        {"LOGIN", &session::cmd_login, pre, plaintext_policy},
        {"AUTHENTICATE", &session::cmd_authenticate, pre, 0},
        {"ENABLE", &session::cmd_enable, in(state::authenticated), 0},  // RFC 5161 §3.1
        {"NAMESPACE", &session::cmd_namespace, auth, 0},
        {"IDLE", &session::cmd_idle, auth, 0},
        {"LIST", &session::cmd_list, auth, 0},
        {"LSUB", &session::cmd_lsub, auth, 0},
        {"SUBSCRIBE", &session::cmd_subscribe, auth, 0},
        {"UNSUBSCRIBE", &session::cmd_unsubscribe, auth, 0},
        {"CREATE", &session::cmd_create, auth, 0},
        {"DELETE", &session::cmd_delete, auth, 0},
        {"RENAME", &session::cmd_rename, auth, 0},
        {"STATUS", &session::cmd_status, auth, 0},
        {"SELECT", &session::cmd_select, auth, 0},
        {"EXAMINE", &session::cmd_select, auth, 0},
        {"CLOSE", &session::cmd_close, sel, 0},
        {"UNSELECT", &session::cmd_unselect, sel, 0},
        {"CHECK", &session::cmd_check, sel, 0},
        // the selected state (H1)
        {"UID", &session::cmd_uid, sel, 0},
        {"FETCH", &session::cmd_fetch, sel, 0},
        {"STORE", &session::cmd_store, sel, 0},
        {"EXPUNGE", &session::cmd_expunge, sel, 0},
        // SEARCH, SORT, THREAD (H2)
        {"SEARCH", &session::cmd_search, sel, 0},
        {"SORT", &session::cmd_sort, sel, 0},
        {"THREAD", &session::cmd_thread, sel, 0},
        // APPEND, COPY, MOVE (H3)
        {"APPEND", &session::cmd_append, auth, 0},
        {"COPY", &session::cmd_copy, sel, 0},
        {"MOVE", &session::cmd_move, sel, 0},
        // QUOTA, RFC 9208 (cmd_quota.cpp)
        {"GETQUOTA", &session::cmd_getquota, auth, 0},
        {"GETQUOTAROOT", &session::cmd_getquotaroot, auth, 0},
        {"SETQUOTA", &session::cmd_setquota, auth, 0},
    };
    return table;
}

const session::command_row* session::find(std::string_view name) {
    for (const auto& row : commands())
        if (proto::keyword_equals(row.name, name)) return &row;
    return nullptr;
}

// ---- input -------------------------------------------------------------------

void session::feed(std::string_view bytes) {
    if (state_ == state::closed) return;
    // RFC 9051 §6.2.1: cleartext that arrives after STARTTLS and before the
    // handshake is discarded, never executed inside TLS.
    if (awaiting_ == awaiting::tls) return;
    in_.append(bytes);
    process();
}

void session::feed_eof() {
    if (state_ == state::closed) return;
    eof_ = true;
    process();
}

void session::timed_out() {
    if (state_ == state::closed) return;
    // RFC 9051 §5.4: the autologout timer ends the session with a BYE.
    if (sasl_.expecting_response() && sasl_.on_too_long()) request(sasl_abort{});
    bye("Autologout; idle for too long.", close_reason::timeout);
}

void session::shutting_down() {
    if (state_ == state::closed) return;
    if (sasl_.expecting_response() && sasl_.on_too_long()) request(sasl_abort{});
    bye("[UNAVAILABLE] Server shutting down.", close_reason::shutdown);
}

void session::mailbox_changed() {
    if (state_ != state::selected) return;
    changed_ = true;
    // RFC 2177 §3: while idling, changes are told at once.
    if (idling_ && awaiting_ == awaiting::nothing) {
        after_sync_ = after_sync::nothing;
        request(sync_mailbox{});
        wait_for(awaiting::sync);
    }
}

void session::process() {
    while (state_ != state::closed && awaiting_ == awaiting::nothing && out_.reply_bytes() < max_reply_backlog) {
        if (idling_ || sasl_.expecting_response()) {
            auto next = in_.next_line();
            if (next.what == proto::input_buffer::status::need_more) {
                if (eof_) bye_silently();
                return;
            }
            const bool too_long = next.what == proto::input_buffer::status::too_long;
            if (idling_) {
                handle_idle_line(too_long ? std::string_view("\n") : next.line);
            } else if (too_long) {
                if (sasl_.on_too_long()) request(sasl_abort{});
                bad("Authentication line too long.");
            } else {
                handle_sasl_line(next.line);
            }
            continue;
        }
        if (reader_.literal_streaming() && !pump_stream()) return;
        if (awaiting_ != awaiting::nothing) return;
        switch (reader_.next()) {
            case command_reader::status::need_more:
                if (eof_) bye_silently();
                return;
            case command_reader::status::command: handle_command(reader_.take_command()); break;
            case command_reader::status::literal_wanted: handle_literal(); break;
            case command_reader::status::error: handle_failure(); break;
        }
    }
}

// A dropped connection: nothing to say to a peer that is gone.
void session::bye_silently() {
    request(close_connection{close_reason::eof});
    state_ = state::closed;
}

void session::handle_literal() {
    const auto& lit = reader_.literal();
    tag_ = std::string(lit.tag);
    const auto* row = find(lit.command);
    // Refused before "+" is sent (RFC 9051 §7.5): the octets of a
    // synchronizing literal never come.
    std::string_view refusal;
    std::string_view code;
    bool counted = true;
    if (!row) refusal = "Unknown command.";
    else if (!proto::state_in(row->states, state_)) refusal = wrong_state_text;
    else if ((row->flags & plaintext_policy) && !proto::plaintext_allowed(policy_.tls_active, policy_.plaintext_auth))
        refusal = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", code = "PRIVACYREQUIRED",
        counted = false;
    else if (lit.size > lit.limit) refusal = "Literal too large.", code = lit.message ? "TOOBIG" : "";
    if (refusal.empty()) {
        if (lit.message && start_stream()) return;
        if (lit.synchronizing) request(send_reply{"+ Ready for literal data\r\n"});
        reader_.accept_literal();
        return;
    }
    reader_.refuse_literal();
    drop_streams();
    if (!counted || !code.empty()) no(code, refusal);
    else bad(refusal);
}

void session::handle_failure() {
    drop_streams();
    const auto& f = reader_.failure();
    if (f.fatal) return bye(f.text, close_reason::too_many_errors);
    if (f.tag.empty()) {
        untagged("BAD " + f.text);
        if (++bad_commands_ >= lim_.max_bad_commands)
            bye("Too many invalid IMAP commands.", close_reason::too_many_errors);
        return;
    }
    bad_tagged(f.tag, f.text);
}

void session::handle_command(raw_command raw) {
    tag_ = raw.tag;
    ++summary_.commands;
    const auto* row = find(raw.name);
    if (!row) return bad("Unknown command.");
    if (!proto::state_in(row->states, state_)) return bad(wrong_state_text);
    if ((row->flags & plaintext_policy) && !proto::plaintext_allowed(policy_.tls_active, policy_.plaintext_auth))
        return no("PRIVACYREQUIRED", "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    auto parsed = parse_command(std::move(raw), lim_);
    if (!parsed.cmd) drop_streams();
    if (!parsed.cmd) return bad(parsed.failure ? parsed.failure->text : "Syntax error.");
    // A change reported by the store is told before this command's own
    // responses (RFC 9051 §7: untagged data may come with any command).
    if (changed_ && state_ == state::selected && row->run != &session::cmd_noop) {  // NOOP syncs itself
        deferred_ = std::move(*parsed.cmd);
        deferred_row_ = row;
        after_sync_ = after_sync::deferred;
        request(sync_mailbox{});
        return wait_for(awaiting::sync);
    }
    run(*row, *parsed.cmd);
}

void session::run(const command_row& row, const command& c) {
    tag_ = c.tag;
    (this->*row.run)(c);
    if (awaiting_ != awaiting::append) drop_streams();  // APPEND refused: its staged messages go
    if ((row.flags & ends_pipeline) && awaiting_ == awaiting::tls) {
        // RFC 9051 §6.2.1: anything pipelined behind STARTTLS is cleartext.
        in_.clear();
        reader_.reset();
    }
}

void session::handle_idle_line(std::string_view line) {
    idling_ = false;
    if (is_idle_done(line)) return ok("", "IDLE terminated.");
    bad("Expected DONE.");  // RFC 2177 §3: only DONE ends IDLE
}

void session::handle_sasl_line(std::string_view line) {
    auto step = sasl_.on_line(line);
    using o = proto::sasl_dialogue::outcome;
    switch (step.what) {
        case o::aborted:  // RFC 9051 §6.2.2: "*" cancels; the server answers BAD
            if (step.abort_exchange) request(sasl_abort{});
            return bad("Authentication aborted.");
        case o::failure: return login_failed();
        case o::success: return login_succeeded(std::move(step.text));
        case o::respond: break;
    }
    request(sasl_continue{std::move(step.text)});
    wait_for(awaiting::sasl);
}

// ---- answers to the shared requests ---------------------------------------------

void session::tls_started() {
    if (awaiting_ != awaiting::tls) return;
    awaiting_ = awaiting::nothing;
    policy_.tls_active = true;
    in_.clear();  // nothing read before the handshake may count (RFC 9051 §6.2.1)
    reader_.reset();
    process();
}

void session::login_done(login_verdict v) {
    if (awaiting_ != awaiting::login) return;
    awaiting_ = awaiting::nothing;
    switch (v.status) {
        case login_status::ok: login_succeeded(std::move(v.user)); break;
        case login_status::bad_credentials: login_failed(); break;
        case login_status::temporary_failure: no("UNAVAILABLE", "Temporary authentication failure."); break;
    }
    process();
}

void session::sasl_challenge(std::string challenge_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    request(send_reply{"+ " + challenge_b64 + "\r\n"});
    sasl_.challenge_sent();
    process();
}

void session::sasl_done(login_status status, std::string user, std::optional<std::string> final_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    switch (status) {
        case login_status::ok:
            if (final_b64) {  // RFC 9051 §6.2.2: server-final data, then the client's empty line
                request(send_reply{"+ " + *final_b64 + "\r\n"});
                sasl_.final_data_sent(std::move(user));
            } else {
                login_succeeded(std::move(user));
            }
            break;
        case login_status::bad_credentials: login_failed(); break;
        case login_status::temporary_failure: no("UNAVAILABLE", "Temporary authentication failure."); break;
    }
    process();
}

void session::login_succeeded(std::string user) {
    summary_.user = std::move(user);
    summary_.mechanism = mechanism_;
    state_ = state::authenticated;
    // RFC 9051 §7.1: the capabilities change with the state; say them now.
    ok("CAPABILITY " + capabilities(), "Logged in.");
}

void session::login_failed() {
    const auto v = throttle_.failed();
    summary_.auth_failures = throttle_.failures();
    if (v.pause.count() > 0) request(pause{v.pause});
    no("AUTHENTICATIONFAILED", "Authentication failed.");
    if (v.close) bye("Too many authentication failures.", close_reason::auth_failures);
}

// ---- output -------------------------------------------------------------------

void session::untagged(std::string_view line) {
    std::string bytes = "* ";
    bytes += line;
    bytes += "\r\n";
    request(send_reply{std::move(bytes)});
}

namespace {
std::string status_line(std::string_view tag, std::string_view cond, std::string_view code, std::string_view text) {
    std::string s(tag);
    s += ' ';
    s += cond;
    if (!code.empty()) {
        s += " [";
        s += code;
        s += ']';
    }
    s += ' ';
    s += text;
    s += "\r\n";
    return s;
}
}  // namespace

void session::ok(std::string_view code, std::string_view text) {
    bad_commands_ = 0;
    request(send_reply{status_line(tag_, "OK", code, text)});
}

void session::no(std::string_view code, std::string_view text) {
    request(send_reply{status_line(tag_, "NO", code, text)});
}

void session::bad(std::string_view text) { bad_tagged(tag_, text); }

void session::bad_tagged(const std::string& tag, std::string_view text) {
    request(send_reply{status_line(tag, "BAD", "", text)});
    // Dovecot's rule: too many bad commands in a row end the session.
    if (++bad_commands_ >= lim_.max_bad_commands) bye("Too many invalid IMAP commands.", close_reason::too_many_errors);
}

void session::bye(std::string_view text, close_reason why) {
    untagged("BYE " + std::string(text));
    request(close_connection{why});
    state_ = state::closed;
    awaiting_ = awaiting::nothing;
    idling_ = false;
}

void session::request(action a) { out_.push(std::move(a)); }

std::optional<action> session::next_action() {
    if (out_.empty()) process();  // input held back by the backlog limit
    return out_.pop();
}

}  // namespace mailroom::imap
