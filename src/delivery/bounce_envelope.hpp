// delivery::bounce_envelope: the queue envelope a DSN about a queued
// message travels in, so it is queued and delivered like any other mail
// (remotely, or locally when the original sender is one of our users: the
// scheduler routes it by domain as usual). Pure; no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "mail/dsn.hpp"
#include "queue/envelope.hpp"

namespace mailroom::delivery {

// The envelope for `dsn` (from mail::compose_dsn) about `original`:
//   - null reverse-path: a notification must never cause another one
//     (RFC 5321 §4.5.5, §3.6.3)
//   - one recipient, the original sender, with NOTIFY=NEVER ("a DSN should
//     not be returned to the sender under any conditions", RFC 3461 §4.1):
//     the null sender already forbids it; NEVER also tells a DSN-capable
//     next hop, which costs nothing
//   - 8BITMIME / SMTPUTF8 as the DSN needs them (its flags), not as the
//     original had them
//   - helo = reporting_host, arrived = next_attempt = now (due at once).
// nullopt when original.sender is null: there is no one to tell.
std::optional<queue::envelope> make_dsn_envelope(const queue::envelope& original, const mail::dsn_message& dsn,
                                                 std::string_view reporting_host,
                                                 std::chrono::system_clock::time_point now);

}  // namespace mailroom::delivery
