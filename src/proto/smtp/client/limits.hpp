// Limits and timeouts of the SMTP client engine: what a hostile or broken
// server may send us, and how long the driver waits for each reply. The
// engine enforces the limits; the driver runs the timers (reply_timeout()).
#pragma once

#include <chrono>
#include <cstddef>

namespace mailroom::smtp::client {

struct reply_limits {
    // RFC 5321 §4.5.3.1.5 says 512 octets per reply line, CRLF included;
    // real servers exceed it with long EHLO or error texts, so be generous.
    std::size_t max_line_bytes = 2048;
    std::size_t max_lines = 100;          // per reply (a long EHLO has ~20)
    std::size_t max_reply_bytes = 65536;  // all lines of one reply together
};

// RFC 5321 §4.5.3.2: how long a client waits for each reply.
struct reply_timeouts {
    std::chrono::minutes greeting{5};           // §4.5.3.2.1 initial 220
    std::chrono::minutes command{5};            // EHLO, STARTTLS, AUTH, RSET, QUIT (as for MAIL)
    std::chrono::minutes mail{5};               // §4.5.3.2.2
    std::chrono::minutes rcpt{5};               // §4.5.3.2.3
    std::chrono::minutes data_initiation{2};    // §4.5.3.2.4 the 354
    std::chrono::minutes data_block{3};         // §4.5.3.2.5 each write of the body (driver side)
    std::chrono::minutes data_termination{10};  // §4.5.3.2.6 the reply to "."
};

}  // namespace mailroom::smtp::client
