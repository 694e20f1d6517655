#include "proto/pop3/server_session.hpp"

#include "common/ascii.hpp"
#include "common/errors.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/pop3/capabilities.hpp"
#include "proto/pop3/command.hpp"
#include "proto/pop3/detail/reply_texts.hpp"

namespace mailroom::pop3 {
namespace {

// Reply texts. Dovecot's wording where clients or people know it; never
// echoes client input; never says whether the user or the password was wrong.
constexpr std::string_view wrong_state = "-ERR Command not valid in this state.";
constexpr std::string_view unknown_command = "-ERR Unknown command.";

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

void server_session::shutting_down() {
    if (state_ == state::closed) return;
    reply("-ERR [SYS/TEMP] Server shutting down, try again later.");  // RFC 3206 §4
    close(close_reason::shutdown);
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
    if ((spec->flags & plaintext_policy) && !plaintext_allowed(policy_)) return bad(detail::plaintext_refused);
    (this->*spec->handler)(c);
}

// ---- both states ----------------------------------------------------------------

void server_session::cmd_capa(const command& c) {
    if (!c.args.empty()) return bad("-ERR Syntax error: CAPA takes no argument.");
    std::string out = "+OK Capability list follows\r\n";
    for (const auto& line : capability_lines(policy_, state_)) out += line + "\r\n";
    out += ".\r\n";
    request(send_reply{std::move(out)});
    bad_commands_ = 0;
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
    const unsigned most = state_ == state::authorization ? lim_.max_bad_commands : lim_.max_bad_commands_after_login;
    if (++bad_commands_ >= most) {
        reply("-ERR Too many bad commands.");
        return close(close_reason::too_many_errors);
    }
    reply(line);
}

void server_session::refuse(std::string_view line) {
    if (state_ == state::authorization) return bad(line);
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
