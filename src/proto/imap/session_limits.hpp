// imap::session_limits: what the IMAP session engine bounds beyond the
// reader's limits (limits.hpp: lines, literals, bad commands, autologout) -
// failed logins and their delays, with the defaults and their reasons.
// Overridable per listener: config::apply_service_defaults() takes the IMAP
// defaults from here and from limits.hpp.
#pragma once

#include <chrono>

namespace mailroom::imap {

struct session_limits {
    unsigned max_auth_failures = 5;                           // as POP3; then BYE
    std::chrono::milliseconds auth_failure_delay{1000};       // first failure
    std::chrono::milliseconds max_auth_failure_delay{15000};  // doubling up to this
};

}  // namespace mailroom::imap
