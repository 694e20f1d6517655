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

}  // namespace
}  // namespace mailroom::proto
