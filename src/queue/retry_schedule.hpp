// queue::retry_schedule: when a message that met a temporary failure (4xx,
// no connection) is tried again, when it has been queued too long and must
// bounce, and when the sender gets a "still trying" warning. Pure
// arithmetic on time points; the scheduler (src/queue/) owns the clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mailroom::queue {

// Defaults next to Postfix's (postconf(5)):
//   initial_delay 5 min      = minimal_backoff_time 300s
//   max_delay 4 h            > maximal_backoff_time 4000s: after the first
//                              hours a destination that is still down is
//                              more likely down for a day than for minutes
//   growth_factor 2          Postfix doubles too
//   max_lifetime 5 days      = maximal_queue_lifetime 5d (RFC 5321 §4.5.4.1:
//                              "at least 4-5 days")
//   delay_warning_after 0    = delay_warning_time 0: off unless configured
// With these, attempts follow at 5, 10, 20, 40, 80, 160 minutes, then every
// 4 hours, the last one at the deadline: 36 attempts in 5 days.
struct retry_policy {
    std::chrono::seconds initial_delay{std::chrono::minutes(5)};
    std::chrono::seconds max_delay{std::chrono::hours(4)};
    double growth_factor = 2.0;
    std::chrono::seconds max_lifetime{std::chrono::days(5)};
    std::chrono::seconds delay_warning_after{0};  // 0 = no delay warnings
};

// Why a policy cannot be used, or nullopt if it can: every delay positive,
// max_delay >= initial_delay, growth_factor in [1, 100], delay warning
// (when on) earlier than max_lifetime.
std::optional<std::string> check_policy(const retry_policy& p);

// The wait after the n-th failed attempt (n >= 1; 0 is taken as 1):
// initial_delay * growth_factor^(n-1), capped at max_delay. Never overflows.
std::chrono::seconds backoff(const retry_policy& p, unsigned failed_attempts);

// The moment the message must be bounced if not delivered by then.
std::chrono::system_clock::time_point give_up_time(const retry_policy& p,
                                                   std::chrono::system_clock::time_point arrived);

// True once the message has been in the queue for max_lifetime or longer:
// the next temporary failure (or this one) becomes a bounce.
bool expired(const retry_policy& p, std::chrono::system_clock::time_point arrived,
             std::chrono::system_clock::time_point now);

// When to try again after `failed_attempts` attempts, the last of which just
// failed at `now`: now + backoff, but never later than give_up_time, so the
// last attempt happens at the deadline instead of up to max_delay after it.
// Callers check expired() first; an expired message gets no next attempt.
std::chrono::system_clock::time_point next_attempt(const retry_policy& p, std::chrono::system_clock::time_point arrived,
                                                   unsigned failed_attempts, std::chrono::system_clock::time_point now);

// True when a delay DSN is due: warnings are on, none was sent yet for this
// message, it has waited delay_warning_after, and it has not expired (an
// expired message bounces instead).
bool should_warn_delay(const retry_policy& p, std::chrono::system_clock::time_point arrived,
                       std::chrono::system_clock::time_point now, bool already_warned);

}  // namespace mailroom::queue
