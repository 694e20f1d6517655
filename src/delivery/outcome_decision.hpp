// delivery::outcome_decision: after an attempt round on one queued message
// (every pending recipient tried once, results recorded with
// outcome_recording.hpp), what happens next: which DSNs to send, whether the
// message leaves the queue, when to try again. Pure; the scheduler acts.
//
// When bounces go out: promptly, after the round that made a recipient
// fail (as Postfix, whose bounce daemon reports a message's failed
// recipients after each queue run), not when the whole message is done:
// one recipient's retries may last days and the sender should learn of a
// hard failure now. Every failure found in one round goes in ONE DSN.
//
// Crash safety: a recipient's final state is reported once. The scheduler
//   1. records results, calls decide_after_attempt (memory only);
//   2. composes each DSN (mail::compose_dsn) and spool::enqueue's it with
//      make_dsn_envelope (bounce_envelope.hpp), all durable;
//   3. calls mark_notices_queued, then spool::update (or spool::remove when
//      finished).
// A crash before 3 leaves the old envelope: the round is redone and a DSN
// already queued may be sent twice; never is one lost. After 3 the
// recipients carry `reported` and no later round reports them again.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "queue/envelope.hpp"
#include "queue/retry_schedule.hpp"

namespace mailroom::delivery {

struct attempt_decision {
    // No recipient is pending: once the DSNs below are queued, the message
    // leaves the queue.
    bool finished = false;
    // Failed recipients not reported before, whose NOTIFY asks for it: one
    // failure DSN (mail::dsn_kind::failure). Empty for a null sender.
    std::vector<std::size_t> bounce;
    // Failed recipients of a null-sender message (a DSN itself): nobody
    // can be told (RFC 5321 §4.5.5, never a bounce for a bounce), so the
    // scheduler logs them as dropped; the log is all that is left.
    std::vector<std::size_t> dropped;
    // Pending recipients to name in a delay DSN (dsn_kind::delay), when
    // delay_warning_due. One per message: mark_notices_queued sets
    // delay_warned even if nobody asked for it (all NOTIFY=NEVER).
    bool delay_warning_due = false;
    std::vector<std::size_t> warn_delay;
    // NOTIFY=SUCCESS recipients delivered in this round (RFC 3461 §5.2.2,
    // §5.2.3): one DSN of kind delivered, one of kind relayed.
    std::vector<std::size_t> delivered_notices;
    std::vector<std::size_t> relayed_notices;
    // Every recipient that reached a final state without being reported:
    // mark_notices_queued marks them, whether or not a DSN names them.
    std::vector<std::size_t> settled;
    // When to try again (also stored in env.next_attempt); none when finished.
    std::optional<std::chrono::system_clock::time_point> next_attempt;
};

// Counts the round (env.attempts + 1, once however many recipients or
// domains were tried); when env has outlived policy.max_lifetime, turns its
// pending recipients into failures with status 4.4.7 (RFC 3463 §3.5:
// delivery time expired) keeping their last reason; sets env.next_attempt
// from the retry schedule. Does not touch `reported` or `delay_warned`.
attempt_decision decide_after_attempt(queue::envelope& env, const queue::retry_policy& policy,
                                      std::chrono::system_clock::time_point now);

// After every DSN of `d` is durably queued: marks d.settled reported and,
// if a delay warning was due, env.delay_warned. Idempotent.
void mark_notices_queued(queue::envelope& env, const attempt_decision& d);

}  // namespace mailroom::delivery
