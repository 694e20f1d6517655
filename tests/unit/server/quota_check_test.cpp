// quota_check: full, too big or fits, for bytes and messages.
#include "server/quota_check.hpp"

#include <gtest/gtest.h>

namespace mailroom::server {
namespace {

using store::maildir::usage;

TEST(quota_check, NoLimitAlwaysFits) {
    EXPECT_EQ(fit({0, 0}, usage{1'000'000'000, 1'000'000}, 1'000'000'000), quota_fit::fits);
}

TEST(quota_check, BytesFullTooBigOrFits) {
    const storage::quota_limits q{1000, 0};
    EXPECT_EQ(fit(q, usage{0, 0}, 1000), quota_fit::fits);  // exactly to the limit
    EXPECT_EQ(fit(q, usage{0, 0}, 1001), quota_fit::too_big);
    EXPECT_EQ(fit(q, usage{999, 5}, 0), quota_fit::fits);
    EXPECT_EQ(fit(q, usage{999, 5}, 2), quota_fit::too_big);
    EXPECT_EQ(fit(q, usage{1000, 5}, 0), quota_fit::full);
    EXPECT_EQ(fit(q, usage{5000, 5}, 1), quota_fit::full);  // over already (a quota lowered)
}

TEST(quota_check, MessagesCount) {
    const storage::quota_limits q{0, 3};
    EXPECT_EQ(fit(q, usage{10, 2}, 1'000'000), quota_fit::fits);
    EXPECT_EQ(fit(q, usage{10, 3}, 1), quota_fit::full);
    const storage::quota_limits both{100, 3};
    EXPECT_EQ(fit(both, usage{10, 3}, 1), quota_fit::full);
    EXPECT_EQ(fit(both, usage{10, 2}, 91), quota_fit::too_big);
}

TEST(quota_check, NegativeUsageCountsAsNothing) { EXPECT_EQ(fit({100, 1}, usage{-50, -1}, 100), quota_fit::fits); }

TEST(quota_check, OwnQuotaOverTheDefault) {
    const auto d = quota_defaults::of(500, 0, "/nowhere");
    storage::user_record u;
    EXPECT_EQ(limits_of(u, d), (storage::quota_limits{500, 0}));
    u.quota = storage::quota_limits{0, 0};  // explicitly none
    EXPECT_TRUE(limits_of(u, d).unlimited());
}

}  // namespace
}  // namespace mailroom::server
