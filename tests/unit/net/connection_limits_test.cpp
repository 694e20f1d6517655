#include "net/connection_limits.hpp"

#include <gtest/gtest.h>

namespace mailroom::net {
namespace {

TEST(connection_limits, total_and_per_ip) {
    connection_limits lim(3, 2);
    auto a1 = lim.try_acquire("10.0.0.1");
    auto a2 = lim.try_acquire("10.0.0.1");
    ASSERT_TRUE(a1 && a2);
    EXPECT_FALSE(lim.try_acquire("10.0.0.1"));  // per-IP limit
    auto b1 = lim.try_acquire("10.0.0.2");
    ASSERT_TRUE(b1);
    EXPECT_FALSE(lim.try_acquire("10.0.0.3"));  // total limit
    EXPECT_EQ(lim.active(), 3u);
    a1.reset();
    EXPECT_EQ(lim.active(), 2u);
    EXPECT_TRUE(lim.try_acquire("10.0.0.1"));  // released slot is reusable (and released again)
    EXPECT_EQ(lim.active(), 2u);
}

TEST(connection_limits, refused_acquire_takes_nothing) {
    connection_limits lim(1, 1);
    auto a = lim.try_acquire("::1");
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(lim.try_acquire("::1"));
    a.reset();
    EXPECT_EQ(lim.active(), 0u);
    EXPECT_TRUE(lim.try_acquire("::1"));
}

}  // namespace
}  // namespace mailroom::net

namespace mailroom::net {
namespace {

// At shutdown the listeners go before the connections they served.
TEST(connection_limits, slot_may_outlive_its_limits) {
    std::unique_ptr<connection_limits::slot> s;
    {
        connection_limits lim(2, 2);
        s = lim.try_acquire("127.0.0.1");
        ASSERT_TRUE(s);
    }
    s.reset();  // no use of freed memory (ASan would say so)
}

TEST(connection_limits, exempt_address_bounded_by_total_only) {
    using rule = connection_limits::per_ip_rule;
    connection_limits lim(4, 1);
    auto a1 = lim.try_acquire("10.0.0.1", rule::exempt);
    auto a2 = lim.try_acquire("10.0.0.1", rule::exempt);
    auto a3 = lim.try_acquire("10.0.0.1", rule::exempt);
    ASSERT_TRUE(a1 && a2 && a3);                // past the per-IP limit of 1
    EXPECT_FALSE(lim.try_acquire("10.0.0.1"));  // the same address without the exemption
    auto b = lim.try_acquire("10.0.0.2");
    ASSERT_TRUE(b);
    EXPECT_FALSE(lim.try_acquire("10.0.0.1", rule::exempt));  // the total still holds
    a1.reset();
    a2.reset();
    a3.reset();
    EXPECT_EQ(lim.active(), 1u);
    auto again = lim.try_acquire("10.0.0.1");  // released: the per-IP count is back to 0
    EXPECT_TRUE(again);
}

}  // namespace
}  // namespace mailroom::net
