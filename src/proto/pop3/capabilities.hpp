// pop3::capabilities: what a listener's policy lets a client use right now,
// in one place, so CAPA (RFC 2449) lists exactly what the command handlers
// accept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/pop3/server_session.hpp"

namespace mailroom::pop3 {

// USER/PASS and AUTH PLAIN/LOGIN send the password itself: only over TLS,
// or where the listener allows it (proto/common/auth_policy.hpp).
bool plaintext_allowed(const listener_policy& p);

// The configured mechanisms usable now, in configured order.
std::vector<std::string> offered_mechanisms(const listener_policy& p);

// STLS is offered until TLS is active (RFC 2595 §4).
bool stls_available(const listener_policy& p);

// CAPA body lines (without the terminating ".") for the state the session
// is in. RFC 2449 §5 has USER and SASL announced in both states; STLS is
// listed only in AUTHORIZATION, the one state it is valid in (RFC 2595 §4).
std::vector<std::string> capability_lines(const listener_policy& p, state st);

}  // namespace mailroom::pop3
