// imap::session handlers of the not-authenticated state (RFC 9051 §6.2):
// STARTTLS, LOGIN (refused where plaintext is, RFC 9051 §6.2.3) and
// AUTHENTICATE with SASL-IR (RFC 4959) through proto/common's SASL dialogue.
#include "common/ascii.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {

void session::cmd_starttls(const command&) {
    if (policy_.tls_active) return bad("TLS is already active.");
    if (!policy_.starttls_offered) return bad("STARTTLS is not available on this listener.");
    ok("", "Begin TLS negotiation now.");
    request(start_tls{});
    wait_for(awaiting::tls);
}

void session::cmd_login(const command& c) {
    auto& l = std::get<login_command>(c.args);
    mechanism_ = "LOGIN";
    // The password moves into a secret at once (it is wiped when done).
    request(verify_login{l.user, secret(l.password)});
    wait_for(awaiting::login);
}

void session::cmd_authenticate(const command& c) {
    const auto& a = std::get<authenticate_command>(c.args);
    const std::string mech = ascii_upper(a.mechanism);
    if (!proto::is_configured(policy_.sasl_mechanisms, mech))
        return no("CANNOT", "Unsupported authentication mechanism.");
    if (proto::is_plaintext_mechanism(mech) && !proto::plaintext_allowed(policy_.tls_active, policy_.plaintext_auth))
        return no("PRIVACYREQUIRED", "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    std::optional<std::string> initial;
    // RFC 4959 §3: "=" is an empty initial response.
    if (a.initial_response) initial = *a.initial_response == "=" ? std::string() : *a.initial_response;
    mechanism_ = mech;
    request(sasl_begin{mech, std::move(initial)});
    wait_for(awaiting::sasl);
}

}  // namespace mailroom::imap
