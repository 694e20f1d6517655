#include "queue/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace mailroom::queue {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

const time_point arrived{std::chrono::seconds(1700000000)};

TEST(queue_retry_schedule, DefaultsAreValidAndDocumented) {
    const retry_policy p;
    EXPECT_FALSE(check_policy(p));
    EXPECT_EQ(p.initial_delay, 5min);
    EXPECT_EQ(p.max_delay, 4h);
    EXPECT_EQ(p.max_lifetime, std::chrono::days(5));
    EXPECT_EQ(p.delay_warning_after, 0s);
}

TEST(queue_retry_schedule, BackoffGrowsThenIsCapped) {
    const retry_policy p;
    EXPECT_EQ(backoff(p, 0), 5min);  // 0 is read as the first failure
    EXPECT_EQ(backoff(p, 1), 5min);
    EXPECT_EQ(backoff(p, 2), 10min);
    EXPECT_EQ(backoff(p, 3), 20min);
    EXPECT_EQ(backoff(p, 6), 160min);
    EXPECT_EQ(backoff(p, 7), 4h);  // 320 min is over the cap
    EXPECT_EQ(backoff(p, 1000), 4h);
    EXPECT_EQ(backoff(p, std::numeric_limits<unsigned>::max()), 4h);  // 2^huge saturates, no overflow
}

TEST(queue_retry_schedule, BackoffIsMonotonicForOddFactors) {
    for (double factor : {1.0, 1.5, 3.0, 100.0}) {
        retry_policy p;
        p.growth_factor = factor;
        auto previous = 0s;
        for (unsigned n = 1; n < 200; ++n) {
            const auto b = backoff(p, n);
            EXPECT_GE(b, previous) << factor << " " << n;
            EXPECT_LE(b, p.max_delay);
            EXPECT_GE(b, p.initial_delay);
            previous = b;
        }
    }
    retry_policy flat;
    flat.growth_factor = 1.0;
    EXPECT_EQ(backoff(flat, 50), 5min);
}

TEST(queue_retry_schedule, NextAttemptNeverPassesTheDeadline) {
    const retry_policy p;
    EXPECT_EQ(next_attempt(p, arrived, 1, arrived + 1s), arrived + 1s + 5min);
    EXPECT_EQ(next_attempt(p, arrived, 9, arrived + 2h), arrived + 6h);
    // Three hours before the deadline a 4 h wait would overshoot it.
    const auto late = arrived + std::chrono::days(5) - 3h;
    EXPECT_EQ(next_attempt(p, arrived, 30, late), give_up_time(p, arrived));
}

TEST(queue_retry_schedule, ExpiryAtExactlyTheLifetime) {
    const retry_policy p;
    EXPECT_FALSE(expired(p, arrived, arrived));
    EXPECT_FALSE(expired(p, arrived, arrived + std::chrono::days(5) - 1ns));
    EXPECT_TRUE(expired(p, arrived, arrived + std::chrono::days(5)));
    EXPECT_TRUE(expired(p, arrived, arrived + std::chrono::days(50)));
    EXPECT_FALSE(expired(p, arrived, arrived - 1h));  // clock stepped back: not expired
}

// Simulate the scheduler: every attempt fails; count attempts until expiry.
TEST(queue_retry_schedule, WholeLifeOfAMessageThatNeverGetsThrough) {
    const retry_policy p;
    auto now = arrived;
    unsigned attempts = 0;
    while (attempts < 1000) {
        ++attempts;  // an attempt at `now` fails
        if (expired(p, arrived, now)) break;
        const auto next = next_attempt(p, arrived, attempts, now);
        ASSERT_GT(next, now);
        now = next;
    }
    EXPECT_EQ(now, give_up_time(p, arrived));  // the last attempt is at the deadline
    // The first, 6 after growing waits (5..160 min, 315 min in all), 28 after
    // 4 h waits (to 117 h 15 min), the last at 120 h: 36, as the header says.
    EXPECT_EQ(attempts, 36u);
}

TEST(queue_retry_schedule, DelayWarningOnceWhenConfigured) {
    retry_policy p;
    EXPECT_FALSE(should_warn_delay(p, arrived, arrived + std::chrono::days(4), false));  // off by default
    p.delay_warning_after = 4h;
    EXPECT_FALSE(should_warn_delay(p, arrived, arrived + 4h - 1s, false));
    EXPECT_TRUE(should_warn_delay(p, arrived, arrived + 4h, false));
    EXPECT_TRUE(should_warn_delay(p, arrived, arrived + 30h, false));
    EXPECT_FALSE(should_warn_delay(p, arrived, arrived + 30h, true));                    // already sent
    EXPECT_FALSE(should_warn_delay(p, arrived, arrived + std::chrono::days(5), false));  // bounce instead
}

TEST(queue_retry_schedule, BadPoliciesAreRefusedWithAReason) {
    auto bad = [](auto change) {
        retry_policy p;
        change(p);
        return check_policy(p);
    };
    EXPECT_TRUE(bad([](retry_policy& p) { p.initial_delay = 0s; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.initial_delay = -5s; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.max_delay = 1min; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.growth_factor = 0.5; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.growth_factor = 1000; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.growth_factor = std::numeric_limits<double>::quiet_NaN(); }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.max_lifetime = 0s; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.delay_warning_after = -1s; }));
    EXPECT_TRUE(bad([](retry_policy& p) { p.delay_warning_after = std::chrono::days(5); }));
    EXPECT_FALSE(bad([](retry_policy& p) { p.delay_warning_after = 4h; }));
    EXPECT_FALSE(bad([](retry_policy& p) {
        p.growth_factor = 1.0;
        p.max_delay = p.initial_delay;
    }));
}

}  // namespace
}  // namespace mailroom::queue
