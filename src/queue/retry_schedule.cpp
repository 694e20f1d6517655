#include "queue/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mailroom::queue {

std::optional<std::string> check_policy(const retry_policy& p) {
    using std::chrono::seconds;
    if (p.initial_delay <= seconds(0)) return "initial retry delay must be positive";
    if (p.max_delay < p.initial_delay) return "maximum retry delay must not be below the initial delay";
    // NaN fails both comparisons, so it is refused too.
    if (!(p.growth_factor >= 1.0 && p.growth_factor <= 100.0)) return "retry growth factor must be between 1 and 100";
    if (p.max_lifetime <= seconds(0)) return "maximum queue lifetime must be positive";
    if (p.delay_warning_after < seconds(0)) return "delay warning time must not be negative";
    if (p.delay_warning_after >= p.max_lifetime) return "delay warning time must be below the maximum queue lifetime";
    return std::nullopt;
}

std::chrono::seconds backoff(const retry_policy& p, unsigned failed_attempts) {
    const unsigned n = std::max(failed_attempts, 1u);
    // In floating point so a huge exponent saturates at infinity instead of
    // wrapping; the cap brings it back into range before converting.
    const double wait = static_cast<double>(p.initial_delay.count()) * std::pow(p.growth_factor, n - 1.0);
    const auto cap = static_cast<double>(p.max_delay.count());
    if (!(wait < cap)) return p.max_delay;  // also catches NaN
    return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(wait));
}

std::chrono::system_clock::time_point give_up_time(const retry_policy& p,
                                                   std::chrono::system_clock::time_point arrived) {
    return arrived + p.max_lifetime;
}

bool expired(const retry_policy& p, std::chrono::system_clock::time_point arrived,
             std::chrono::system_clock::time_point now) {
    return now >= give_up_time(p, arrived);
}

std::chrono::system_clock::time_point next_attempt(const retry_policy& p, std::chrono::system_clock::time_point arrived,
                                                   unsigned failed_attempts,
                                                   std::chrono::system_clock::time_point now) {
    return std::min(now + backoff(p, failed_attempts), give_up_time(p, arrived));
}

bool should_warn_delay(const retry_policy& p, std::chrono::system_clock::time_point arrived,
                       std::chrono::system_clock::time_point now, bool already_warned) {
    if (p.delay_warning_after <= std::chrono::seconds(0) || already_warned) return false;
    return now - arrived >= p.delay_warning_after && !expired(p, arrived, now);
}

}  // namespace mailroom::queue
