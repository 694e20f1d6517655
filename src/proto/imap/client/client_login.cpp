// The session up to the authenticated state: capabilities, STARTTLS
// (RFC 9051 §6.2.1), LOGIN (§6.2.3) and AUTHENTICATE (§6.2.2, SASL-IR per
// RFC 4959), with the rules "never a weaker method after a refusal" and
// "no password in clear unless allowed".
#include "proto/imap/client/client_session.hpp"

namespace mailroom::imap::client {

std::string_view method_name(auth_method m) noexcept {
    switch (m) {
        case auth_method::login: return "login";
        case auth_method::sasl_login: return "sasl-login";
        case auth_method::plain: return "plain";
        case auth_method::cram_md5: return "cram-md5";
        case auth_method::scram_sha_1: return "scram-sha-1";
        case auth_method::scram_sha_256: return "scram-sha-256";
    }
    return "?";
}

std::string_view mechanism(auth_method m) noexcept {
    switch (m) {
        case auth_method::login: return "";
        case auth_method::sasl_login: return "LOGIN";
        case auth_method::plain: return "PLAIN";
        case auth_method::cram_md5: return "CRAM-MD5";
        case auth_method::scram_sha_1: return "SCRAM-SHA-1";
        case auth_method::scram_sha_256: return "SCRAM-SHA-256";
    }
    return "";
}

std::optional<auth_method> parse_method(std::string_view name) noexcept {
    for (auto m : {auth_method::login, auth_method::sasl_login, auth_method::plain, auth_method::cram_md5,
                   auth_method::scram_sha_1, auth_method::scram_sha_256})
        if (name == method_name(m)) return m;
    return std::nullopt;
}

bool sends_password(auth_method m) noexcept {
    return m == auth_method::login || m == auth_method::sasl_login || m == auth_method::plain;
}

void client_session::set_capabilities(std::string_view words) {
    caps_.clear();
    caps_known_ = true;
    std::size_t pos = 0;
    while (pos < words.size()) {
        auto end = words.find(' ', pos);
        if (end == std::string_view::npos) end = words.size();
        if (end > pos) caps_.emplace_back(words.substr(pos, end - pos));
        pos = end + 1;
    }
}

void client_session::tls_started() {
    if (phase_ != phase::tls) return;
    tls_active_ = true;
    waiting_driver_ = false;
    reader_.clear();
    caps_.clear();  // RFC 9051 §6.2.1: capabilities from before TLS are forgotten
    caps_known_ = false;
    start(command("CAPABILITY"), phase::capability);
    process();
}

void client_session::tls_failed(std::string why) {
    if (phase_ != phase::closed) close(close_reason::tls_failed, "TLS handshake failed: " + why);
}

// Capabilities known (from the greeting's code or a CAPABILITY command):
// STARTTLS when required, then login.
void client_session::after_capability() {
    if (!caps_known_) return start(command("CAPABILITY"), phase::capability);
    if (cfg_.tls == tls_mode::starttls && !tls_active_) {
        if (!has_capability("STARTTLS")) return logout(close_reason::no_tls, "the server does not offer STARTTLS");
        return start(command("STARTTLS"), phase::starttls);
    }
    begin_login();
}

bool client_session::offered(auth_method m) const {
    // RFC 9051 §6.2.3: LOGINDISABLED forbids LOGIN.
    if (m == auth_method::login) return !has_capability("LOGINDISABLED");
    return has_capability("AUTH=" + std::string(mechanism(m)));
}

void client_session::begin_login() {
    if (cfg_.user.empty()) {
        phase_ = phase::idle;
        return next_command();
    }
    bool held_back = false;
    for (auto m : cfg_.allowed) {
        if (!offered(m)) continue;
        if (sends_password(m) && !tls_active_ && !cfg_.allow_plaintext) {
            held_back = true;
            continue;
        }
        method_ = m;
        break;
    }
    if (!method_) {
        std::string why = "no allowed login method is offered by the server";
        if (held_back)
            why += " (LOGIN, PLAIN and sasl-login would send the password in clear: use TLS or --allow-plaintext)";
        return logout(close_reason::login_failed, why);
    }
    waiting_driver_ = true;
    if (*method_ == auth_method::login) {
        phase_ = phase::login;
        out_.push_back(need_password{});
    } else {
        phase_ = phase::sasl;
        sasl_sent_ = false;
        out_.push_back(sasl_start{std::string(mechanism(*method_))});
    }
}

void client_session::password(secret pw) {
    if (phase_ != phase::login || !waiting_driver_ || current_) return;
    waiting_driver_ = false;
    command c("LOGIN ");
    c.string(cfg_.user).text(" ").string(pw);
    start(std::move(c), phase::login);
    process();
}

void client_session::sasl_initial(std::optional<secret> ir) {
    if (phase_ != phase::sasl || !waiting_driver_ || current_) return;
    waiting_driver_ = false;
    command c("AUTHENTICATE " + std::string(mechanism(*method_)));
    // RFC 4959 §3: with SASL-IR the initial response rides on the command; "=" is an empty one.
    if (ir && has_capability("SASL-IR"))
        c.text(" ").text(ir->empty() ? std::string("=") : std::string(ir->reveal()), true);
    else if (ir) pending_ir_ = std::move(ir);
    sasl_sent_ = true;
    start(std::move(c), phase::sasl);
    process();
}

void client_session::sasl_response(secret response) {
    if (phase_ != phase::sasl || !waiting_driver_) return;
    waiting_driver_ = false;
    send(std::string(response.reveal()) + "\r\n", std::string(secret::masked));
    process();
}

void client_session::sasl_cancel() {
    if (phase_ != phase::sasl || !waiting_driver_) return;
    waiting_driver_ = false;
    if (!sasl_sent_)
        return logout(close_reason::login_failed, "the SASL client cannot do " + std::string(mechanism(*method_)));
    send("*\r\n", "*");  // RFC 9051 §6.2.2: the server answers BAD
    process();
}

// Logged in by LOGIN, AUTHENTICATE or PREAUTH. RFC 9051 §6.2.2: the server
// may send new capabilities with the OK; if it did not, ask again.
void client_session::after_login(const response& r) {
    if (r.state == status::preauth && cfg_.tls == tls_mode::starttls && !tls_active_) {
        // PREAUTH skips the not-authenticated state, the only one where STARTTLS is allowed.
        return close(close_reason::no_tls, "the server sent PREAUTH on a cleartext connection; TLS was required");
    }
    const bool fresh_caps = r.code == "CAPABILITY";
    out_.push_back(logged_in{r.state == status::preauth       ? "PREAUTH"
                             : *method_ == auth_method::login ? "LOGIN"
                                                              : std::string(mechanism(*method_))});
    if (fresh_caps && r.state != status::preauth) set_capabilities(r.code_args);
    if (!fresh_caps) return start(command("CAPABILITY"), phase::relearn);
    phase_ = phase::idle;
    next_command();
}

}  // namespace mailroom::imap::client
