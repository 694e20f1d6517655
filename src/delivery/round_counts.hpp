// delivery::round_counts: what one finished delivery round changed, as
// /metrics counts it - recipients delivered here or relayed, deferred (still
// pending after their attempt), bounced (failed for good). Pure: the
// scheduler compares the envelope before the round with the one
// finish_round holds, after decide_after_attempt, and hands the counts to
// the metrics registry.
#pragma once

#include <cstddef>

#include "queue/envelope.hpp"

namespace mailroom::delivery {

struct round_counts {
    std::size_t delivered_local = 0;   // final delivery to a mailbox here
    std::size_t delivered_remote = 0;  // accepted by the next hop
    std::size_t deferred = 0;
    std::size_t bounced = 0;
};

// Only recipients pending in `before` count: a final state reached in an
// earlier round (and written back) is not counted again. `before` null:
// every recipient of `after` was pending. A recipient delivered here is the
// one whose success notice is "delivered" (outcome_recording.hpp).
round_counts count_round(const queue::envelope* before, const queue::envelope& after);

}  // namespace mailroom::delivery
