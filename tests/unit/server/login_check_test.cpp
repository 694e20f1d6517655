#include "server/login_check.hpp"

#include <gtest/gtest.h>

namespace mailroom::server {
namespace {

using std::chrono::milliseconds;

TEST(login_guard, ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4) {
    EXPECT_EQ(penalty_key("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(penalty_key("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(penalty_key("2001:db8:1:2:aaaa::1"), penalty_key("2001:db8:1:2:bbbb:cccc:dddd:9"));
    EXPECT_EQ(penalty_key("2001:db8:1:2::1"), "2001:0db8:0001:0002::/64");
    EXPECT_NE(penalty_key("2001:db8:1:2::1"), penalty_key("2001:db8:1:3::1"));
    EXPECT_EQ(penalty_key("not an address"), "not an address");  // kept apart, never merged
}

TEST(login_guard, failures_slow_that_address_and_its_64_only) {
    login_guard g({milliseconds(1000), milliseconds(8000), std::chrono::seconds(3600), 100});
    EXPECT_EQ(g.delay_for("192.0.2.7"), milliseconds(0));
    g.failed("P1", "192.0.2.7", 2);
    EXPECT_EQ(g.delay_for("192.0.2.7"), milliseconds(2000));
    EXPECT_EQ(g.delay_for("::ffff:192.0.2.7"), milliseconds(2000));
    EXPECT_EQ(g.delay_for("192.0.2.8"), milliseconds(0));
    g.failed("S2", "2001:db8:1:2::1");
    EXPECT_EQ(g.delay_for("2001:db8:1:2::99"), milliseconds(1000));  // same /64
    EXPECT_EQ(g.delay_for("2001:db8:1:3::1"), milliseconds(0));
}

TEST(login_guard, success_forgets_and_exempt_networks_never_wait) {
    login_guard g({milliseconds(1000), milliseconds(8000), std::chrono::seconds(3600), 100},
                  *network_list::parse({"198.51.100.0/24"}));
    g.failed("P1", "192.0.2.7", 3);
    EXPECT_EQ(g.delay_for("192.0.2.7"), milliseconds(4000));
    g.succeeded("::ffff:192.0.2.7");  // the same client, by its key
    EXPECT_EQ(g.delay_for("192.0.2.7"), milliseconds(0));
    g.failed("P2", "192.0.2.7");
    EXPECT_EQ(g.delay_for("192.0.2.7"), milliseconds(1000));  // counting again from one
    g.failed("P3", "198.51.100.9", 5);
    EXPECT_EQ(g.delay_for("198.51.100.9"), milliseconds(0));
}

}  // namespace
}  // namespace mailroom::server
