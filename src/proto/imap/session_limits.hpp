// imap::session_limits: what the IMAP session engine bounds beyond the
// parser's own limits (those are D's limits.hpp) - time, bad commands,
// failed logins - with the defaults and their reasons. Overridable per
// listener: config::apply_service_defaults() takes its defaults from here.
#pragma once

#include <chrono>
#include <cstddef>

namespace mailroom::imap {

struct session_limits {
    // RFC 9051 §5.4: an autologout timer of at least 30 minutes, IDLE
    // included (RFC 2177 §3 clients re-issue IDLE before 29 minutes).
    std::chrono::milliseconds autologout{std::chrono::minutes(30)};
    unsigned max_bad_commands = 20;                           // Dovecot's CLIENT_MAX_BAD_COMMANDS; then BYE
    unsigned max_auth_failures = 5;                           // as POP3; then BYE
    std::chrono::milliseconds auth_failure_delay{1000};       // first failure
    std::chrono::milliseconds max_auth_failure_delay{15000};  // doubling up to this
    // A SASL response line (RFC 9051 §6.2.2) and the tokens of a command
    // line the engine reads itself: SCRAM messages stay far below this.
    std::size_t max_line_bytes = 8192;
};

}  // namespace mailroom::imap
