// POP3 limits on untrusted input, defaults with their reason; overridable
// per listener from the configuration (STYLE.md §6).
#pragma once

#include <chrono>
#include <cstddef>

namespace mailroom::pop3 {

struct limits {
    // RFC 2449 §4: command lines up to 255 octets incl. CRLF; SASL response
    // lines (RFC 5034 §4) may be longer, so one bound for both.
    std::size_t max_command_line = 1024;
    std::size_t max_argument = 255;                                  // DESIGN.md: 255-octet arguments
    unsigned max_bad_commands = 10;                                  // then -ERR and close
    unsigned max_auth_failures = 5;                                  // then -ERR and close
    std::chrono::milliseconds auth_failure_delay{1000};              // first failure
    std::chrono::milliseconds max_auth_failure_delay{15000};         // doubling up to this
    std::chrono::milliseconds autologout{std::chrono::minutes(10)};  // RFC 1939 §3: at least 10 minutes
};

}  // namespace mailroom::pop3
