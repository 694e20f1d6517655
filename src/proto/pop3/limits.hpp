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
    std::size_t max_argument = 255;  // DESIGN.md: 255-octet arguments
    // Consecutive bad commands, then -ERR and close: Dovecot's numbers
    // (pop3-login 10; pop3 20, where only unknown commands and syntax count,
    // not asking for a message that is gone).
    unsigned max_bad_commands = 10;
    unsigned max_bad_commands_after_login = 20;
    unsigned max_auth_failures = 5;                                  // then -ERR and close
    std::chrono::milliseconds auth_failure_delay{1000};              // first failure
    std::chrono::milliseconds max_auth_failure_delay{15000};         // doubling up to this
    std::chrono::milliseconds autologout{std::chrono::minutes(10)};  // RFC 1939 §3: at least 10 minutes
    // RETR/TOP read a stored message in ranges of this size, each sent
    // before the next is read: the memory a retrieval holds, whatever the
    // message size (one range in, its wire form out).
    std::size_t message_range_bytes = 64 * 1024;
};

}  // namespace mailroom::pop3
