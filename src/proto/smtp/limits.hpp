// SMTP limits on untrusted input, defaults with their reason; overridable
// per listener from the configuration (STYLE.md §6).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mailroom::smtp {

struct limits {
    std::size_t max_command_line = 512;  // RFC 5321 §4.5.3.1.4, incl. CRLF
    // AUTH responses are base64 lines longer than commands (RFC 4954 §4:
    // 12288 octets is the suggested minimum a server accepts).
    std::size_t max_auth_line = 12288;
    std::size_t max_text_line = 1000;             // RFC 5321 §4.5.3.1.6, incl. CRLF
    std::uint64_t max_message_bytes = 35u << 20;  // advertised by SIZE (RFC 1870)
    unsigned max_recipients = 1000;               // RFC 5321 §4.5.3.1.8: at least 100
    unsigned max_bad_commands = 20;               // then 421 and close
    unsigned max_auth_failures = 3;               // then 421 and close
    std::chrono::milliseconds auth_failure_delay{1000};
    std::chrono::milliseconds max_auth_failure_delay{15000};
    std::chrono::milliseconds command_timeout{std::chrono::minutes(5)};  // RFC 5321 §4.5.3.2.7 (server timeout)
};

}  // namespace mailroom::smtp
