// delivery::outcome_recording: writes what one delivery attempt learnt into
// the queued envelope (recipient state, reason, RFC 3463 status, remote
// host, time), ready for the DSN (mail/dsn.hpp) and the retry decision
// (outcome_decision.hpp). Pure: the scheduler calls these after a transfer,
// a failed route lookup or a local error, then persists with spool::update.
// Only pending recipients change: an earlier final state is never undone.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dns/route_failure.hpp"
#include "proto/smtp/client/client_session.hpp"
#include "queue/envelope.hpp"

namespace mailroom::delivery {

// A remote reply is untrusted: last_error keeps all its lines joined by
// " / " on one line, control bytes as '?', at most this many bytes (cut at
// a UTF-8 character boundary, "..." marking the cut).
inline constexpr std::size_t max_last_error_bytes = 1000;

// The reply (or local reason) as last_error stores it: see above.
std::string clean_reason(std::string_view text);

// The outcome of one SMTP transaction for env's recipients at `indexes` (the
// ones to_outgoing was given, in that order). Each index takes the outcome
// at its position when the address matches, else the first unused outcome
// with its address; an index with none stays pending with a local 4.3.0
// reason (a client bug must not lose or bounce mail).
//   delivered: state delivered, success notice "relayed" unless the server
//              passed DSN on (then the next hop reports, RFC 3461 §5.2.3)
//   permanent: state failed        temporary: stays pending
// dsn_status is the reply's enhanced code when its class fits, else
// 2.0.0 / 5.0.0 / 4.0.0; remote_mta is `remote_mta` when the server replied
// (code != 0), "" when the client engine decided alone.
void record_transfer(queue::envelope& env, const std::vector<std::size_t>& indexes,
                     const smtp::client::message_done& done, std::string_view remote_mta,
                     std::chrono::system_clock::time_point now);

// No route for the recipients at `indexes` (e.g. null MX, RFC 7505 §3:
// 5.1.10): permanent → failed, else they stay pending; the failure's
// enhanced status when valid and of the right class, else 5.0.0 / 4.0.0.
void record_route_failure(queue::envelope& env, const std::vector<std::size_t>& indexes,
                          const dns::route_failure& failure, std::chrono::system_clock::time_point now);

// Our own trouble (no route configured, resolver down, disk): always
// temporary, the recipients stay pending. `enhanced_status` must be 4.x.y,
// else 4.3.0 (RFC 3463 §3.4: "other or undefined mail system status").
void record_local_failure(queue::envelope& env, const std::vector<std::size_t>& indexes, std::string_view reason,
                          std::string_view enhanced_status, std::chrono::system_clock::time_point now);

// `mailroom queue bounce` (as Postfix's `postsuper -e`): every recipient
// still pending fails now with administrative_bounce_reason, so the round's
// finish sends the sender a failure DSN (NOTIFY permitting) and removes the
// message. Returns how many recipients it failed.
//
// Status 5.0.0 with reply code 550: RFC 3463 has no code for "withdrawn by
// the administrator"; X.0.0 "other undefined status" is the honest one
// (X.7.x would claim a security policy, X.3.x the destination system), and
// class 5 because it is final: the message will not be tried again.
inline constexpr std::string_view administrative_bounce_reason =
    "message is administratively expired: the mail system administrator returned it undelivered";
std::size_t record_administrative_bounce(queue::envelope& env, std::chrono::system_clock::time_point now);

// Final delivery here (a local mailbox): delivered, 2.0.0, success notice
// "delivered" (RFC 3461 §5.2.2).
void record_local_delivery(queue::envelope& env, const std::vector<std::size_t>& indexes,
                           std::chrono::system_clock::time_point now);

}  // namespace mailroom::delivery
