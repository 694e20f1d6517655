// The AUTHORIZATION state of pop3::server_session (RFC 1939 §4, §7; RFC
// 2449; RFC 2595; RFC 5034; RFC 6856): USER/PASS, APOP, AUTH, STLS, UTF8,
// and the answers to the TLS, login, SASL and maildrop requests.
#include "proto/pop3/server_session.hpp"

#include "common/ascii.hpp"
#include "common/errors.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/pop3/capabilities.hpp"
#include "proto/pop3/command.hpp"
#include "proto/pop3/detail/reply_texts.hpp"

namespace mailroom::pop3 {
namespace {

// Dovecot's wording where clients or people know it; never says whether
// the user or the password was wrong.
constexpr std::string_view auth_failed = "-ERR [AUTH] Authentication failed.";
constexpr std::string_view auth_tempfail = "-ERR [SYS/TEMP] Temporary authentication failure. Try again later.";

}  // namespace

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
    if (proto::is_plaintext_mechanism(mech) && !plaintext_allowed(policy_)) return bad(detail::plaintext_refused);
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
    forget_client_state();
    request(start_tls{});
    awaiting_ = awaiting::tls;
}

void server_session::forget_client_state() {
    // RFC 2595 §4 (as RFC 3207 §4.2): the client starts over inside TLS.
    // Anything pipelined behind STLS is cleartext and is dropped; so is the
    // USER name and the bad-command count. The failed-login throttle stays:
    // it is the server's defence, not something the client told us.
    in_.clear();
    user_.reset();
    mechanism_.clear();
    bad_commands_ = 0;
}

void server_session::cmd_utf8(const command& c) {
    // RFC 6856 §2: allowed before login; message content is sent unchanged
    // either way (we never downgrade or transcode).
    if (!c.args.empty()) return bad("-ERR Syntax error: UTF8 takes no argument.");
    ok("+OK UTF8 enabled.");
}

// ---- answers ------------------------------------------------------------------

void server_session::tls_started() {
    if (awaiting_ != awaiting::tls) return;
    awaiting_ = awaiting::nothing;
    policy_.tls_active = true;
    forget_client_state();  // nothing read before the handshake may count
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
        bad_commands_ = 0;  // a new count, with its own limit, after login
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

}  // namespace mailroom::pop3
