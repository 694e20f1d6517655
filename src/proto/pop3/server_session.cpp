#include "proto/pop3/server_session.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "common/errors.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/pop3/capabilities.hpp"
#include "proto/pop3/command.hpp"
#include "proto/pop3/message_encoding.hpp"

namespace mailroom::pop3 {
namespace {

// Reply texts. Dovecot's wording where clients or people know it; never
// echoes client input; never says whether the user or the password was wrong.
constexpr std::string_view auth_failed = "-ERR [AUTH] Authentication failed.";
constexpr std::string_view auth_tempfail = "-ERR [SYS/TEMP] Temporary authentication failure. Try again later.";
constexpr std::string_view plaintext_refused =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
constexpr std::string_view wrong_state = "-ERR Command not valid in this state.";
constexpr std::string_view unknown_command = "-ERR Unknown command.";
constexpr std::string_view no_such_message = "-ERR No such message.";
constexpr std::string_view invalid_number = "-ERR Invalid message number.";

// Replies queued before input processing pauses (see process()).
constexpr std::size_t max_reply_backlog = 64 * 1024;

std::string hex(std::uint64_t v) {
    constexpr char digits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 0xf];
    return s;
}

// RFC 1939 §7: "<process-ID.clock@hostname>"; the random part makes it
// unique per connection even within one second in one process.
std::string make_apop_timestamp(const session_env& env, const std::string& hostname) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(env.clk.now().time_since_epoch()).count();
    return "<" + std::to_string(env.process_id) + "." + hex(env.rnd.next_u64()) + "." + std::to_string(secs) + "@" +
           hostname + ">";
}

}  // namespace

server_session::server_session(listener_policy policy, const limits& lim, session_env env)
    : policy_(std::move(policy)), lim_(lim), env_(env), in_(lim.max_command_line),
      throttle_({lim.max_auth_failures, lim.auth_failure_delay, lim.max_auth_failure_delay}) {
    std::string greeting = "+OK " + policy_.implementation + " ready.";
    if (policy_.apop) {
        apop_timestamp_ = make_apop_timestamp(env_, policy_.hostname);
        greeting += " " + apop_timestamp_;
    }
    reply(greeting);
}

// ---- input -------------------------------------------------------------------

void server_session::feed(std::string_view bytes) {
    if (state_ == state::closed) return;
    // RFC 2595 §4 / RFC 3207-style injection: cleartext that arrives after
    // STLS and before the handshake is discarded, never executed inside TLS.
    if (awaiting_ == awaiting::tls) return;
    in_.append(bytes);
    process();
}

void server_session::feed_eof() {
    if (state_ == state::closed) return;
    eof_ = true;
    process();
}

void server_session::timed_out() {
    if (state_ == state::closed) return;
    // RFC 1939 §3: the autologout timer ends the session without UPDATE.
    reply("-ERR Disconnected for inactivity.");
    close(close_reason::timeout);
}

void server_session::process() {
    // A client that pipelines without reading could make us queue replies
    // without bound (thousands of LISTs from one 4 KiB read): stop at a
    // backlog; next_action() resumes once it has been handed out.
    while (state_ != state::closed && awaiting_ == awaiting::nothing && out_.reply_bytes() < max_reply_backlog) {
        auto next = in_.next_line();
        if (next.what == proto::input_buffer::status::need_more) {
            // A dropped connection deletes nothing (RFC 1939 §6: only QUIT enters UPDATE).
            if (eof_) close(close_reason::eof);
            return;
        }
        if (next.what == proto::input_buffer::status::too_long) handle_too_long_line();
        else handle_line(next.line);
    }
}

void server_session::handle_too_long_line() {
    if (sasl_.expecting_response() && sasl_.on_too_long()) request(sasl_abort{});
    bad("-ERR Line too long.");
}

void server_session::handle_line(std::string_view line) {
    if (sasl_.expecting_response()) {
        handle_sasl_response(line);
        return;
    }
    auto parsed = parse_command(line, lim_.max_argument);
    if (!parsed.cmd) {
        switch (*parsed.error) {
            case parse_error::empty_line: bad(unknown_command); return;
            case parse_error::bad_characters: bad("-ERR Invalid characters in command."); return;
            case parse_error::argument_too_long: bad("-ERR Argument too long."); return;
        }
    }
    dispatch(*parsed.cmd);
}

std::span<const server_session::command_spec> server_session::commands() {
    using proto::in;
    constexpr auto auth = in(state::authorization);
    constexpr auto trans = in(state::transaction);
    static constexpr command_spec table[] = {
        {"USER", verb::user, &server_session::cmd_user, auth, plaintext_policy},
        {"PASS", verb::pass, &server_session::cmd_pass, auth, plaintext_policy},
        {"APOP", verb::apop, &server_session::cmd_apop, auth, 0},
        {"AUTH", verb::auth, &server_session::cmd_auth, auth, 0},
        {"STLS", verb::stls, &server_session::cmd_stls, auth, 0},
        {"UTF8", verb::utf8, &server_session::cmd_utf8, auth, 0},
        {"CAPA", verb::capa, &server_session::cmd_capa, auth | trans, 0},
        {"QUIT", verb::quit, &server_session::cmd_quit, auth | trans, 0},
        {"STAT", verb::stat, &server_session::cmd_stat, trans, 0},
        {"LIST", verb::list, &server_session::cmd_list, trans, 0},
        {"UIDL", verb::uidl, &server_session::cmd_uidl, trans, 0},
        {"RETR", verb::retr, &server_session::cmd_retr, trans, 0},
        {"TOP", verb::top, &server_session::cmd_top, trans, 0},
        {"DELE", verb::dele, &server_session::cmd_dele, trans, 0},
        {"NOOP", verb::noop, &server_session::cmd_noop, trans, 0},
        {"RSET", verb::rset, &server_session::cmd_rset, trans, 0},
    };
    return table;
}

void server_session::dispatch(const command& c) {
    // Checked before any handler runs (STYLE.md §4).
    const auto* spec = proto::find_command(commands(), c.what);
    if (!spec) return bad(unknown_command);
    if (!proto::state_in(spec->states, state_)) return bad(wrong_state);
    if ((spec->flags & plaintext_policy) && !plaintext_allowed(policy_)) return bad(plaintext_refused);
    (this->*spec->handler)(c);
}

// ---- AUTHORIZATION -------------------------------------------------------------

void server_session::cmd_user(const command& c) {
    if (c.args.size() != 1) return bad("-ERR Syntax error: USER takes one argument, the user name.");
    // Always +OK: RFC 1939 §7 allows it, and saying "no such user" here
    // would reveal which users exist.
    user_ = std::string(c.args[0]);
    ok("+OK");
}

void server_session::cmd_pass(const command& c) {
    if (!user_) return bad("-ERR No username given.");
    if (c.rest.empty()) return bad("-ERR Syntax error: PASS takes the password.");
    bad_commands_ = 0;
    mechanism_ = "USER";
    auto user = std::move(*user_);
    user_.reset();
    request(verify_login{password_login{std::move(user), secret(c.rest)}});
    awaiting_ = awaiting::login;
}

void server_session::cmd_apop(const command& c) {
    if (apop_timestamp_.empty()) return bad("-ERR APOP is not available on this server.");
    if (c.args.size() != 2) return bad("-ERR Syntax error: APOP takes a user name and a digest.");
    bad_commands_ = 0;
    user_.reset();
    mechanism_ = "APOP";
    request(verify_login{apop_login{std::string(c.args[0]), apop_timestamp_, std::string(c.args[1])}});
    awaiting_ = awaiting::login;
}

void server_session::cmd_auth(const command& c) {
    if (c.args.empty()) {
        // Not in RFC 5034, but clients probe with a bare AUTH (RFC 1734
        // servers listed mechanisms this way): list what AUTH accepts now.
        std::string out = "+OK\r\n";
        for (const auto& m : offered_mechanisms(policy_)) out += m + "\r\n";
        out += ".\r\n";
        request(send_reply{std::move(out)});
        bad_commands_ = 0;
        return;
    }
    if (c.args.size() > 2) return bad("-ERR Syntax error: AUTH takes a mechanism and an initial response.");
    const std::string mech = ascii_upper(c.args[0]);
    if (!proto::is_configured(policy_.sasl_mechanisms, mech)) return bad("-ERR Unsupported authentication mechanism.");
    if (proto::is_plaintext_mechanism(mech) && !plaintext_allowed(policy_)) return bad(plaintext_refused);
    std::optional<std::string> initial;
    if (c.args.size() == 2) initial = c.args[1] == "=" ? std::string() : std::string(c.args[1]);  // RFC 5034 §4
    bad_commands_ = 0;
    user_.reset();
    mechanism_ = mech;
    request(sasl_begin{mech, std::move(initial)});
    awaiting_ = awaiting::sasl;
}

void server_session::handle_sasl_response(std::string_view line) {
    auto step = sasl_.on_line(line);
    using o = proto::sasl_dialogue::outcome;
    switch (step.what) {
        case o::aborted:  // RFC 5034 §4: the client cancels; the server answers -ERR
            if (step.abort_exchange) request(sasl_abort{});
            return reply("-ERR Authentication aborted.");
        case o::failure: return login_failed();  // no empty line after server-final data
        case o::success: return login_succeeded(std::move(step.text));
        case o::respond: break;
    }
    request(sasl_continue{std::move(step.text)});
    awaiting_ = awaiting::sasl;
}

void server_session::cmd_stls(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: STLS takes no argument.");
    if (policy_.tls_active) return bad("-ERR TLS is already active.");
    if (!policy_.stls_offered) return bad("-ERR STLS is not available on this listener.");
    ok("+OK Begin TLS negotiation now.");
    // Anything the client pipelined behind STLS is cleartext: drop it.
    in_.clear();
    user_.reset();
    request(start_tls{});
    awaiting_ = awaiting::tls;
}

void server_session::cmd_utf8(const command& c) {
    // RFC 6856 §2: allowed before login; message content is sent unchanged
    // either way (we never downgrade or transcode).
    if (!c.args.empty()) return bad("-ERR Syntax error: UTF8 takes no argument.");
    ok("+OK UTF8 enabled.");
}

// ---- both states ----------------------------------------------------------------

void server_session::cmd_capa(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: CAPA takes no argument.");
    std::string out = "+OK Capability list follows\r\n";
    for (const auto& line : capability_lines(policy_)) out += line + "\r\n";
    out += ".\r\n";
    request(send_reply{std::move(out)});
    bad_commands_ = 0;
}

void server_session::cmd_quit(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: QUIT takes no argument.");
    if (state_ == state::authorization) {
        reply("+OK Logging out.");
        return close(close_reason::quit);
    }
    // RFC 1939 §6: QUIT in TRANSACTION enters UPDATE and removes the marked messages.
    state_ = state::update;
    std::vector<std::string> uids;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if (deleted_[i]) uids.push_back(messages_[i].uid);
    if (uids.empty()) {
        reply("+OK Logging out.");
        return close(close_reason::quit);
    }
    request(apply_deletes{std::move(uids)});
    awaiting_ = awaiting::deletes;
}

// ---- TRANSACTION ----------------------------------------------------------------

std::optional<std::size_t> server_session::live_message(std::string_view arg) {
    auto n = parse_number(arg);
    if (!n) {
        bad(invalid_number);
        return std::nullopt;
    }
    if (*n == 0 || *n > messages_.size() || deleted_[*n - 1]) {
        bad(no_such_message);
        return std::nullopt;
    }
    return static_cast<std::size_t>(*n - 1);
}

void server_session::cmd_stat(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: STAT takes no argument.");
    std::size_t count = 0;
    std::uint64_t octets = 0;
    for (std::size_t i = 0; i < messages_.size(); ++i)
        if (!deleted_[i]) ++count, octets += messages_[i].size;
    ok("+OK " + std::to_string(count) + " " + std::to_string(octets));
}

void server_session::list_or_uidl(const command& c, bool uidl) {
    auto describe = [&](std::size_t i) {
        return std::to_string(i + 1) + " " + (uidl ? messages_[i].uid : std::to_string(messages_[i].size));
    };
    if (c.args.size() > 1) return bad("-ERR Syntax error: one message number at most.");
    if (c.args.size() == 1) {
        auto i = live_message(c.args[0]);
        if (i) ok("+OK " + describe(*i));
        return;
    }
    std::size_t count = 0;
    std::uint64_t octets = 0;
    std::string body;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        if (deleted_[i]) continue;
        ++count;
        octets += messages_[i].size;
        body += describe(i) + "\r\n";
    }
    std::string head = uidl ? "+OK"
                            : "+OK " + std::to_string(count) + " messages (" + std::to_string(octets) + " octets)";
    request(send_reply{head + "\r\n" + body + ".\r\n"});
    bad_commands_ = 0;
}

void server_session::retr_or_top(const command& c, bool top) {
    if (c.args.size() != (top ? 2u : 1u))
        return bad(top ? "-ERR Syntax error: TOP takes a message number and a line count."
                       : "-ERR Syntax error: RETR takes a message number.");
    std::optional<std::uint64_t> lines;
    if (top) {
        lines = parse_number(c.args[1]);
        if (!lines) return bad("-ERR Invalid line count.");  // RFC 1939 §7: non-negative number
    }
    auto i = live_message(c.args[0]);
    if (!i) return;
    bad_commands_ = 0;
    top_lines_ = lines;
    loading_ = *i;
    request(load_message{*i});
    awaiting_ = awaiting::message;
}

void server_session::cmd_dele(const command& c) {
    if (c.args.size() != 1) return bad("-ERR Syntax error: DELE takes a message number.");
    auto i = live_message(c.args[0]);
    if (!i) return;
    deleted_[*i] = true;
    ok("+OK Marked to be deleted.");
}

void server_session::cmd_noop(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: NOOP takes no argument.");
    ok("+OK");
}

void server_session::cmd_rset(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: RSET takes no argument.");
    std::fill(deleted_.begin(), deleted_.end(), false);
    std::uint64_t octets = 0;
    for (const auto& m : messages_) octets += m.size;
    ok("+OK " + std::to_string(messages_.size()) + " messages (" + std::to_string(octets) + " octets)");
}

// ---- answers ------------------------------------------------------------------

void server_session::tls_started() {
    if (awaiting_ != awaiting::tls) return;
    awaiting_ = awaiting::nothing;
    policy_.tls_active = true;
    in_.clear();  // nothing read before the handshake may count (RFC 2595 §4)
    process();
}

void server_session::login_done(login_verdict v) {
    if (awaiting_ != awaiting::login) return;
    awaiting_ = awaiting::nothing;
    switch (v.status) {
        case login_status::ok: login_succeeded(std::move(v.user)); break;
        case login_status::bad_credentials: login_failed(); break;
        case login_status::temporary_failure: reply(auth_tempfail); break;
    }
    process();
}

void server_session::sasl_challenge(std::string challenge_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    reply("+ " + challenge_b64);
    sasl_.challenge_sent();
    process();
}

void server_session::sasl_done(login_status status, std::string user, std::optional<std::string> final_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    switch (status) {
        case login_status::ok:
            if (final_b64) {  // RFC 5034 §4: server-final data, then the client's empty line
                reply("+ " + *final_b64);
                sasl_.final_data_sent(std::move(user));
            } else {
                login_succeeded(std::move(user));
            }
            break;
        case login_status::bad_credentials: login_failed(); break;
        case login_status::temporary_failure: reply(auth_tempfail); break;
    }
    process();
}

void server_session::login_succeeded(std::string user) {
    summary_.user = user;
    request(open_maildrop{std::move(user)});
    awaiting_ = awaiting::maildrop;
}

void server_session::login_failed() {
    const auto v = throttle_.failed();
    summary_.auth_failures = throttle_.failures();
    if (v.pause.count() > 0) request(pause{v.pause});
    reply(auth_failed);
    if (v.close) close(close_reason::auth_failures);
}

void server_session::maildrop_opened(result<std::vector<message_info>> listing) {
    if (awaiting_ != awaiting::maildrop) return;
    awaiting_ = awaiting::nothing;
    if (listing) {
        messages_ = std::move(*listing);
        deleted_.assign(messages_.size(), false);
        state_ = state::transaction;
        summary_.mechanism = mechanism_;
        reply("+OK Logged in.");
    } else {
        summary_.user.clear();
        // RFC 1939 §8 / RFC 2449 §8.1.1: the maildrop is locked by another session.
        reply(listing.error() == errc::in_use ? "-ERR [IN-USE] Mailbox is locked by another POP3 session."
                                              : "-ERR [SYS/TEMP] Unable to open the mailbox. Try again later.");
    }
    process();
}

void server_session::message_loaded(result<std::string> raw) {
    if (awaiting_ != awaiting::message) return;
    awaiting_ = awaiting::nothing;
    if (!raw) {
        reply(raw.error() == errc::not_found ? "-ERR [SYS/PERM] The message has vanished from the mailbox."
                                             : "-ERR [SYS/TEMP] Unable to read the message. Try again later.");
    } else {
        const auto& m = messages_[loading_];
        std::string out = "+OK " + std::to_string(m.size) + " octets\r\n";
        append_multiline_message(out, *raw, top_lines_);
        if (!top_lines_) {
            ++summary_.retrieved;
            summary_.retrieved_bytes += m.size;
        }
        request(send_reply{std::move(out)});
    }
    process();
}

void server_session::deletes_applied(std::error_code ec) {
    if (awaiting_ != awaiting::deletes) return;
    awaiting_ = awaiting::nothing;
    if (ec) {
        reply("-ERR [SYS/TEMP] Some deleted messages were not removed.");  // RFC 1939 §6
    } else {
        summary_.deleted = static_cast<unsigned>(std::count(deleted_.begin(), deleted_.end(), true));
        reply("+OK Logging out.");
    }
    close(close_reason::quit);
}

// ---- output -------------------------------------------------------------------

void server_session::reply(std::string_view line) {
    std::string bytes(line);
    bytes += "\r\n";
    request(send_reply{std::move(bytes)});
}

void server_session::ok(std::string_view line) {
    bad_commands_ = 0;
    reply(line);
}

void server_session::bad(std::string_view line) {
    // Dovecot's rule: too many consecutive bad commands end the session.
    if (++bad_commands_ >= lim_.max_bad_commands) {
        reply("-ERR Too many bad commands.");
        return close(close_reason::too_many_errors);
    }
    reply(line);
}

void server_session::request(action a) { out_.push(std::move(a)); }

void server_session::close(close_reason why) {
    request(close_connection{why});
    state_ = state::closed;
    awaiting_ = awaiting::nothing;
}

std::optional<action> server_session::next_action() {
    if (out_.empty()) process();  // input held back by the backlog limit
    return out_.pop();
}

state server_session::current_state() const noexcept { return state_; }
const session_summary& server_session::summary() const noexcept { return summary_; }
const listener_policy& server_session::policy() const noexcept { return policy_; }

}  // namespace mailroom::pop3
