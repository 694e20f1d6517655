#include "proto/common/login_throttle.hpp"

#include <gtest/gtest.h>

namespace mailroom::proto {
namespace {

using std::chrono::milliseconds;

TEST(login_throttle, delay_doubles_up_to_the_maximum_then_closes) {
    login_throttle t({5, milliseconds(1000), milliseconds(3000)});
    const milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(3000), milliseconds(3000),
                                     milliseconds(3000)};
    for (unsigned i = 0; i < 5; ++i) {
        const auto v = t.failed();
        EXPECT_EQ(v.pause, expected[i]) << i;
        EXPECT_EQ(v.close, i == 4) << i;
        EXPECT_EQ(t.failures(), i + 1);
    }
}

TEST(login_throttle, zero_delay_means_no_pause) {
    login_throttle t({2, milliseconds(0), milliseconds(0)});
    auto v = t.failed();
    EXPECT_EQ(v.pause.count(), 0);
    EXPECT_FALSE(v.close);
    v = t.failed();
    EXPECT_TRUE(v.close);
}

TEST(login_throttle, one_allowed_failure_closes_at_once) {
    login_throttle t({1, milliseconds(10), milliseconds(10)});
    const auto v = t.failed();
    EXPECT_EQ(v.pause, milliseconds(10));
    EXPECT_TRUE(v.close);
}

TEST(login_throttle, doubling_does_not_overflow_after_many_failures) {
    login_throttle t({1000, milliseconds(1000), milliseconds(15000)});
    login_throttle::verdict v;
    for (int i = 0; i < 999; ++i) v = t.failed();
    EXPECT_EQ(v.pause, milliseconds(15000));
    EXPECT_FALSE(v.close);
    EXPECT_TRUE(t.failed().close);
}

using std::chrono::seconds;
using clock_point = address_penalty::time_point;

TEST(address_penalty, grows_per_failure_of_one_address_only) {
    address_penalty p({milliseconds(1000), milliseconds(4000), seconds(60), 100});
    const clock_point t0{};
    EXPECT_EQ(p.delay("10.0.0.1", t0), milliseconds(0));
    const milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000), milliseconds(4000)};
    for (auto want : expected) {
        p.failed("10.0.0.1", t0);
        EXPECT_EQ(p.delay("10.0.0.1", t0), want);
    }
    // The real user elsewhere is not slowed down.
    EXPECT_EQ(p.delay("10.0.0.2", t0), milliseconds(0));
    EXPECT_EQ(p.delay("2001:db8::1", t0), milliseconds(0));
}

TEST(address_penalty, decays_one_failure_per_period) {
    address_penalty p({milliseconds(1000), milliseconds(15000), seconds(60), 100});
    const clock_point t0{};
    for (int i = 0; i < 3; ++i) p.failed("10.0.0.1", t0);  // 3 failures: 4 s
    EXPECT_EQ(p.delay("10.0.0.1", t0), milliseconds(4000));
    EXPECT_EQ(p.delay("10.0.0.1", t0 + seconds(59)), milliseconds(4000));   // 2.02 left: still 3
    EXPECT_EQ(p.delay("10.0.0.1", t0 + seconds(61)), milliseconds(2000));   // 1.98 left
    EXPECT_EQ(p.delay("10.0.0.1", t0 + seconds(150)), milliseconds(1000));  // 0.5 left
    EXPECT_EQ(p.delay("10.0.0.1", t0 + seconds(180)), milliseconds(0));     // all forgotten
    // A failure after decay counts from what is left, not from the old total.
    p.failed("10.0.0.1", t0 + seconds(120));  // 1 left + 1
    EXPECT_EQ(p.delay("10.0.0.1", t0 + seconds(120)), milliseconds(2000));
}

TEST(address_penalty, new_limits_weigh_the_failures_counted_before) {
    address_penalty p({milliseconds(1000), milliseconds(15000), seconds(60), 100});
    const clock_point t0{};
    p.failed("10.0.0.1", t0);
    p.failed("10.0.0.1", t0);
    EXPECT_EQ(p.delay("10.0.0.1", t0), milliseconds(2000));
    p.set_limits({milliseconds(300), milliseconds(500), seconds(60), 100});  // a reload
    EXPECT_EQ(p.delay("10.0.0.1", t0), milliseconds(500));                   // 2 failures: 600 ms, capped
}

TEST(address_penalty, zero_delay_turns_it_off) {
    address_penalty p({milliseconds(0), milliseconds(0), seconds(60), 100});
    for (int i = 0; i < 10; ++i) p.failed("10.0.0.1", clock_point{});
    EXPECT_EQ(p.delay("10.0.0.1", clock_point{}), milliseconds(0));
    EXPECT_EQ(p.tracked(), 0u);
}

TEST(address_penalty, bounded_memory_forgets_the_oldest) {
    address_penalty p({milliseconds(1000), milliseconds(15000), seconds(60), 3});
    const clock_point t0{};
    p.failed("a", t0);
    p.failed("b", t0 + seconds(1));
    p.failed("c", t0 + seconds(2));
    p.failed("d", t0 + seconds(3));  // full: "a" failed longest ago
    EXPECT_EQ(p.tracked(), 3u);
    EXPECT_EQ(p.delay("a", t0 + seconds(3)), milliseconds(0));
    EXPECT_EQ(p.delay("d", t0 + seconds(3)), milliseconds(1000));
    // Decayed entries go first, before any live one.
    p.failed("e", t0 + seconds(62));  // "b" (and "c") are forgotten by then
    EXPECT_EQ(p.delay("d", t0 + seconds(62)), milliseconds(1000));
    EXPECT_EQ(p.delay("e", t0 + seconds(62)), milliseconds(1000));
    EXPECT_LE(p.tracked(), 3u);
}

}  // namespace
}  // namespace mailroom::proto
