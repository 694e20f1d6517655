// delivery::scheduler's part of /metrics: each round's outcomes counted
// (round_counts.hpp) and the oldest queued message, for the queue gauges.
#include "delivery/round_counts.hpp"
#include "delivery/scheduler.hpp"
#include "metrics/registry.hpp"

namespace mailroom::delivery {

void scheduler::count_outcomes(const queue::envelope& env, std::chrono::system_clock::time_point now) const {
    if (!svc_.metrics) return;
    const auto it = envelopes_.find(env.id);
    const auto c = count_round(it == envelopes_.end() ? nullptr : &it->second, env);
    for (std::size_t i = 0; i < c.delivered_local; ++i)
        svc_.metrics->delivered(metrics::destination::local, now - env.arrived);
    for (std::size_t i = 0; i < c.delivered_remote; ++i)
        svc_.metrics->delivered(metrics::destination::remote, now - env.arrived);
    if (c.deferred) svc_.metrics->deferred(c.deferred);
    if (c.bounced) svc_.metrics->bounced(c.bounced);
}

std::optional<std::chrono::system_clock::time_point> scheduler::oldest_arrival() const {
    std::optional<std::chrono::system_clock::time_point> oldest;
    for (const auto& [id, env] : envelopes_)
        if (!oldest || env.arrived < *oldest) oldest = env.arrived;
    return oldest;
}

}  // namespace mailroom::delivery
