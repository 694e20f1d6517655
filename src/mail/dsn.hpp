// mail::dsn: delivery status notifications (RFC 3464 inside an RFC 6522
// multipart/report; RFC 6533 global forms for SMTPUTF8 mail) and the rule of
// who gets one (RFC 3461 §4.1, §5). Pure: no I/O, no clock; the queue
// scheduler decides when, calls these, and sends the result with the null
// reverse-path (MAIL FROM:<>) to the original sender.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "queue/envelope.hpp"

namespace mailroom::mail {

// What is being reported; the RFC 3464 §2.3.3 Action of every recipient.
enum class dsn_kind {
    failure,    // Action: failed  (5xx, or expired after 4xx)
    delay,      // Action: delayed (still queued, will retry)
    delivered,  // Action: delivered (NOTIFY=SUCCESS, final delivery here)
    relayed,    // Action: relayed (NOTIFY=SUCCESS, next hop does not do DSN)
};

// The recipients of env among `candidates` (indexes into env.recipients,
// out-of-range ones ignored) whose NOTIFY asks for this kind of report:
// NEVER gets nothing; failure and delay go to recipients without NOTIFY or
// with FAILURE / DELAY; success only with SUCCESS. Empty, meaning "send no
// DSN", when env.sender is the null reverse-path: never a bounce for a
// bounce (RFC 5321 §4.5.5, §6.1; RFC 3461 §5.1). Whether delay warnings
// are sent at all is the retry policy's business (queue/retry_schedule.hpp).
std::vector<std::size_t> recipients_to_report(const queue::envelope& env, dsn_kind kind,
                                              std::span<const std::size_t> candidates);

struct dsn_limits {
    // RET=FULL (or no RET on a failure): the whole message up to this size,
    // else its headers only. 50 000 is Postfix's bounce_size_limit.
    std::size_t max_returned_message_bytes = 50'000;
    std::size_t max_returned_header_bytes = 64 * 1024;
    // A remote reply is untrusted: one line, at most this long.
    std::size_t max_diagnostic_bytes = 512;
};

struct dsn_request {
    std::string reporting_mta;  // our host name: From, Message-ID, Reporting-MTA
    dsn_kind kind = dsn_kind::failure;
    std::vector<std::size_t> recipients;                // from recipients_to_report()
    std::chrono::system_clock::time_point now;          // Date:
    std::chrono::system_clock::time_point retry_until;  // delay only: Will-Retry-Until
    dsn_limits limits;
};

struct dsn_message {
    std::string bytes;            // the RFC 5322 message, CRLF lines, none over 998 octets
    bool needs_8bitmime = false;  // a body part is 8bit (UTF-8 text, 8-bit original)
    bool needs_smtputf8 = false;  // the sender address or a header field is UTF-8
};

// The DSN about req.recipients of env, returning a copy of `original` (the
// queued message bytes) as RFC 3461 §4.3 RET asks: RET=HDRS the header
// section (text/rfc822-headers); RET=FULL the whole message
// (message/rfc822) unless over the limit, then the headers; no RET: the
// whole message for a failure (as Postfix does, the sender may have no other
// copy), the headers for delay and success reports (the message is still
// queued or was delivered). SMTPUTF8 envelopes use message/global-*
// (RFC 6533 §6). The boundary is random and checked against the content.
// Returns nullopt, never a message, when env.sender is null or no index in
// req.recipients is valid.
std::optional<dsn_message> compose_dsn(const dsn_request& req, const queue::envelope& env, std::string_view original,
                                       random_source& random);

}  // namespace mailroom::mail
