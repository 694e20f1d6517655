// The command handlers of smtp::server_session: validate, then apply or ask
// the driver (STYLE.md §5: OpenSMTPD's smtp_check_* / smtp_proceed_*).
#include <algorithm>

#include "common/ascii.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/smtp/server_session.hpp"

namespace mailroom::smtp {
namespace {

bool in_transaction(state s) { return s == state::mail || s == state::rcpt; }

}  // namespace

std::span<const server_session::command_spec> server_session::commands() {
    using proto::any_state;
    using proto::in;
    // Only MAIL, RCPT and DATA have pure state rules; the others check
    // their argument, TLS or AUTH first, in their handlers. BDAT runs in
    // every state because its chunk must be read (and dropped) whatever
    // the answer (RFC 3030 §2).
    static constexpr command_spec table[] = {
        {"EHLO", verb::ehlo, &server_session::cmd_ehlo, any_state},
        {"HELO", verb::helo, &server_session::cmd_helo, any_state},
        {"MAIL", verb::mail, &server_session::cmd_mail, in(state::ready), helo_first, "Error: nested MAIL command"},
        {"RCPT", verb::rcpt, &server_session::cmd_rcpt, in(state::mail, state::rcpt), 0, "Error: need MAIL command"},
        {"DATA", verb::data, &server_session::cmd_data, in(state::rcpt), recipient_first, "Error: need RCPT command"},
        {"BDAT", verb::bdat, &server_session::cmd_bdat, any_state},
        {"STARTTLS", verb::starttls, &server_session::cmd_starttls, any_state},
        {"AUTH", verb::auth, &server_session::cmd_auth, any_state},
        {"RSET", verb::rset, &server_session::cmd_rset, any_state},
        {"NOOP", verb::noop, &server_session::cmd_noop, any_state},
        {"QUIT", verb::quit, &server_session::cmd_quit, any_state},
        {"VRFY", verb::vrfy, &server_session::cmd_vrfy, any_state},
        {"EXPN", verb::expn, &server_session::cmd_expn, any_state},
        {"HELP", verb::help, &server_session::cmd_help, any_state},
    };
    return table;
}

void server_session::dispatch(const command& c) {
    // Checked before any handler runs (STYLE.md §4).
    const auto* spec = proto::find_command(commands(), c.what);
    if (!spec) return bad(500, "5.5.2", "Error: command not recognized");
    if (!proto::state_in(spec->states, state_)) return wrong_state(*spec);
    (this->*spec->handler)(c);
}

void server_session::wrong_state(const command_spec& spec) {
    if ((spec.flags & helo_first) && state_ == state::greeting) return bad(503, "5.5.1", "Error: send HELO/EHLO first");
    if ((spec.flags & recipient_first) && state_ == state::mail) return bad(554, "5.5.1", "Error: no valid recipients");
    bad(503, "5.5.1", spec.wrong_state);
}

void server_session::cmd_rset(const command& c) {
    if (!c.argument.empty()) return bad(501, "5.5.4", "Syntax: RSET");
    reset_transaction();
    ok(250, "2.0.0", "Ok");
}

void server_session::cmd_noop(const command&) { ok(250, "2.0.0", "Ok"); }

void server_session::cmd_quit(const command&) {
    reply(221, "2.0.0", "Bye");
    close(close_reason::quit);
}

// RFC 5321 §3.5.3: 252 neither confirms nor denies a user.
void server_session::cmd_vrfy(const command&) {
    ok(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

void server_session::cmd_expn(const command&) { bad(502, "5.5.1", "EXPN is not supported"); }

void server_session::cmd_help(const command&) {
    ok(214, "2.0.0", "See RFC 5321 https://www.rfc-editor.org/rfc/rfc5321");
}

void server_session::ehlo(const command& c, bool extended) {
    const auto name = c.argument.substr(0, c.argument.find(' '));
    if (name.empty()) return bad(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    // RFC 5321 §4.1.4: EHLO/HELO resets like RSET; the name is only logged.
    reset_transaction();
    state_ = state::ready;
    esmtp_ = extended;
    helo_ = std::string(name.substr(0, 255));
    summary_.helo = helo_;
    if (!extended) return ok(250, "", policy_.hostname);
    std::vector<std::string> lines{policy_.hostname,
                                   "PIPELINING",
                                   "SIZE " + std::to_string(lim_.max_message_bytes),
                                   "8BITMIME",
                                   "ENHANCEDSTATUSCODES",
                                   "SMTPUTF8",
                                   "CHUNKING",
                                   "DSN"};
    if (policy_.starttls_offered && !policy_.tls_active) lines.emplace_back("STARTTLS");
    if (auth_user_.empty())
        if (auto mechs = offered_mechanisms(); !mechs.empty()) {
            std::string auth = "AUTH";
            for (const auto& m : mechs) auth += " " + m;
            lines.push_back(std::move(auth));
        }
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i)
        out += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
    bad_commands_ = 0;
    request(send_reply{std::move(out)});
}

void server_session::cmd_mail(const command& c) {
    // RFC 6409 §4.3 (and RFC 8314 for 465): submission needs authentication.
    if (policy_.submission && auth_user_.empty()) return bad(530, "5.7.0", "Authentication required");
    auto parsed = parse_mail(c.argument, esmtp_);
    if (auto* e = std::get_if<param_error>(&parsed)) return bad(e->code, e->enhanced, e->text);
    auto& m = std::get<mail_command>(parsed);
    if (!esmtp_ && (m.params.size || m.params.body != body_type::seven_bit || m.params.smtputf8 ||
                    m.params.ret != dsn_ret::unspecified || !m.params.envid.empty()))
        return bad(555, "5.5.4", "MAIL parameters need EHLO");
    if (m.params.body == body_type::binary_mime) return bad(504, "5.5.4", "BINARYMIME is not supported");
    if (m.params.size && *m.params.size > lim_.max_message_bytes)
        return bad(552, "5.3.4", "Message size exceeds fixed limit");  // RFC 1870 §6.1
    tx_ = {};
    tx_.sender = m.path.box ? m.path.box->str() : "";
    tx_.params = std::move(m.params);
    request(check_sender{tx_.sender, auth_user_});
    awaiting_ = awaiting::sender;
}

void server_session::cmd_rcpt(const command& c) {
    if (tx_.recipients.size() >= lim_.max_recipients)
        return reply(452, "4.5.3", "Error: too many recipients");  // RFC 5321 §4.5.3.1.10
    auto parsed = parse_rcpt(c.argument, tx_.params.smtputf8);
    if (auto* e = std::get_if<param_error>(&parsed)) return bad(e->code, e->enhanced, e->text);
    auto& r = std::get<rcpt_command>(parsed);
    if (!esmtp_ && (r.params.notify || !r.params.orcpt.empty())) return bad(555, "5.5.4", "RCPT parameters need EHLO");
    pending_rcpt_ = recipient_info{r.path.box->str(), std::move(r.params)};
    request(check_recipient{pending_rcpt_->address, auth_user_, tx_.params.size.value_or(0)});
    awaiting_ = awaiting::recipient;
}

void server_session::cmd_data(const command& c) {
    if (!c.argument.empty()) return bad(501, "5.5.4", "Syntax: DATA");
    if (used_bdat_) return bad(503, "5.5.1", "Error: DATA after BDAT");  // RFC 3030 §2
    ok(354, "", "End data with <CR><LF>.<CR><LF>");
    data_.emplace(lim_.max_message_bytes, lim_.max_text_line);
    state_ = state::data;
}

void server_session::cmd_bdat(const command& c) {
    auto args = parse_bdat(c.argument);
    if (!args) return bad(501, "5.5.4", "Syntax: BDAT size [LAST]");
    // The chunk follows in the stream whatever we answer: read it (and
    // discard it) to stay in step with the client (RFC 3030 §2).
    const bool usable = state_ == state::rcpt;
    chunk_left_ = args->size;
    chunk_last_ = args->last;
    if (!usable) {
        const std::string why = state_ == state::mail ? "Error: no valid recipients" : "Error: need RCPT command";
        bad(state_ == state::mail ? 554 : 503, "5.5.1", why);
        if (state_ == state::closed) return;
        discard_chunk_ = true;
    }
    used_bdat_ = true;
    chunk_state_before_ = state_;
    state_ = state::bdat;
}

void server_session::cmd_starttls(const command& c) {
    if (!c.argument.empty()) return bad(501, "5.5.4", "Syntax: STARTTLS");
    if (policy_.tls_active) return bad(503, "5.5.1", "Error: TLS already active");
    if (!policy_.starttls_offered) return bad(502, "5.5.1", "Error: STARTTLS not available");
    if (in_transaction(state_)) return bad(503, "5.5.1", "Error: MAIL transaction in progress");
    ok(220, "2.0.0", "Ready to start TLS");
    in_.clear();  // anything pipelined behind STARTTLS is cleartext: drop it
    request(start_tls{});
    awaiting_ = awaiting::tls;
}

void server_session::cmd_auth(const command& c) {
    if (state_ == state::greeting || !esmtp_) return bad(503, "5.5.1", "Error: send EHLO first");
    if (!auth_user_.empty()) return bad(503, "5.5.1", "Error: already authenticated");
    if (in_transaction(state_)) return bad(503, "5.5.1", "Error: MAIL transaction in progress");
    const auto space = c.argument.find(' ');
    const std::string mech = ascii_upper(c.argument.substr(0, space));
    const auto ir = space == std::string_view::npos ? std::string_view() : c.argument.substr(space + 1);
    if (mech.empty() || ir.find(' ') != std::string_view::npos)
        return bad(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    if (!policy_.auth_offered || !proto::is_configured(policy_.sasl_mechanisms, mech))
        return bad(504, "5.5.4", "Unrecognized authentication type");
    if (proto::is_plaintext_mechanism(mech) && !plaintext_allowed())
        return bad(538, "5.7.11", "Encryption required for requested authentication mechanism");  // RFC 4954 §4
    std::optional<std::string> initial;
    if (space != std::string_view::npos) initial = ir == "=" ? std::string() : std::string(ir);
    bad_commands_ = 0;
    mechanism_ = mech;
    request(sasl_begin{mech, std::move(initial)});
    awaiting_ = awaiting::sasl;
}

}  // namespace mailroom::smtp
