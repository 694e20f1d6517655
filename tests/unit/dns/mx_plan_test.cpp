#include "dns/mx_plan.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dns/errors.hpp"
#include "support/fixed_env.hpp"

namespace mailroom::dns {
namespace {

using records = std::vector<mx_record>;
using answer = result<records>;

mx_plan plan(std::string_view domain, const answer& a, const mx_policy& policy = {}, std::uint64_t seed = 7) {
    test::seeded_random random(seed);
    return plan_mx_route(domain, a, policy, random);
}

std::vector<std::string> hosts_of(const mx_plan& p) {
    EXPECT_TRUE(std::holds_alternative<mx_route>(p)) << std::get<route_failure>(p).text;
    return std::holds_alternative<mx_route>(p) ? std::get<mx_route>(p).hosts : std::vector<std::string>{};
}

route_failure failure_of(const mx_plan& p) {
    EXPECT_TRUE(std::holds_alternative<route_failure>(p));
    return std::holds_alternative<route_failure>(p) ? std::get<route_failure>(p) : route_failure{};
}

TEST(MxPlan, AscendingPreference) {
    auto p = plan("example.test", records{{30, "c.example.test"}, {10, "a.example.test"}, {20, "b.example.test"}});
    EXPECT_EQ(hosts_of(p), (std::vector<std::string>{"a.example.test", "b.example.test", "c.example.test"}));
    EXPECT_FALSE(std::get<mx_route>(p).implicit_mx);
}

TEST(MxPlan, EqualPreferencesAreShuffledButStayInTheirRank) {
    const records rs{{20, "b1.test"}, {20, "b2.test"}, {20, "b3.test"}, {10, "a.test"}, {30, "c.test"}};
    std::map<std::string, int> first_of_rank;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        auto hosts = hosts_of(plan("example.test", rs, {}, seed));
        ASSERT_EQ(hosts.size(), 5u);
        EXPECT_EQ(hosts.front(), "a.test");
        EXPECT_EQ(hosts.back(), "c.test");
        EXPECT_EQ(std::set<std::string>(hosts.begin() + 1, hosts.end() - 1),
                  (std::set<std::string>{"b1.test", "b2.test", "b3.test"}));
        ++first_of_rank[hosts[1]];
    }
    // Each of the three leads its rank sometimes (200 draws: ~67 each).
    ASSERT_EQ(first_of_rank.size(), 3u);
    for (const auto& [host, n] : first_of_rank) EXPECT_GT(n, 30) << host;
}

TEST(MxPlan, SameSeedSameOrder) {
    const records rs{{5, "x.test"}, {5, "y.test"}, {5, "z.test"}, {5, "w.test"}};
    EXPECT_EQ(hosts_of(plan("example.test", rs, {}, 99)), hosts_of(plan("example.test", rs, {}, 99)));
}

TEST(MxPlan, NoMxMeansImplicitMx) {
    auto p = plan("Example.TEST.", answer(make_error_code(errc::no_data)));
    EXPECT_EQ(hosts_of(p), std::vector<std::string>{"example.test"});
    EXPECT_TRUE(std::get<mx_route>(p).implicit_mx);
    auto empty = plan("example.test", records{});
    EXPECT_TRUE(std::get<mx_route>(empty).implicit_mx);
}

TEST(MxPlan, NullMxBouncesAtOnce) {
    auto f = failure_of(plan("example.test", records{{0, ""}}));
    EXPECT_TRUE(f.permanent);
    EXPECT_EQ(f.reply_code, 556u);
    EXPECT_EQ(f.enhanced_status, "5.1.10");
}

TEST(MxPlan, NullMxBesideRealMxIsIgnored) {
    EXPECT_EQ(hosts_of(plan("example.test", records{{0, ""}, {10, "mx.example.test"}})),
              std::vector<std::string>{"mx.example.test"});
}

TEST(MxPlan, NxdomainIsPermanent) {
    auto f = failure_of(plan("example.test", answer(make_error_code(errc::no_such_domain))));
    EXPECT_TRUE(f.permanent);
    EXPECT_EQ(f.reply_code, 550u);
    EXPECT_EQ(f.enhanced_status, "5.1.2");
}

TEST(MxPlan, TemporaryFailuresRetry) {
    for (auto e : {errc::server_failure, errc::timed_out, errc::malformed_answer, errc::resolver_failure}) {
        auto f = failure_of(plan("example.test", answer(make_error_code(e))));
        EXPECT_FALSE(f.permanent) << make_error_code(e).message();
        EXPECT_EQ(f.reply_code, 451u);
        EXPECT_EQ(f.enhanced_status, "4.4.3");
    }
}

TEST(MxPlan, BadDestinationDomain) {
    for (const char* d : {"", "[192.0.2.1]", "192.0.2.1", "a..b", "bad_name.test"}) {
        auto f = failure_of(plan(d, records{{10, "mx.test"}}));
        EXPECT_TRUE(f.permanent) << d;
        EXPECT_EQ(f.enhanced_status, "5.1.2") << d;
    }
}

TEST(MxPlan, IpLiteralTargetsAreUnusable) {
    EXPECT_EQ(hosts_of(plan("example.test", records{{10, "192.0.2.1"}, {20, "mx.example.test"}})),
              std::vector<std::string>{"mx.example.test"});
    auto f = failure_of(plan("example.test", records{{10, "192.0.2.1"}, {20, "198.51.100.7"}}));
    EXPECT_TRUE(f.permanent);
    EXPECT_EQ(f.enhanced_status, "5.4.4");
}

TEST(MxPlan, DuplicatesKeepTheirBestPreference) {
    EXPECT_EQ(hosts_of(plan("example.test", records{{30, "a.test"}, {10, "a.test"}, {20, "b.test"}})),
              (std::vector<std::string>{"a.test", "b.test"}));
}

TEST(MxPlan, HostileZoneIsCapped) {
    records rs;
    for (int i = 0; i < 500; ++i)
        rs.push_back({static_cast<std::uint16_t>(500 - i), "mx" + std::to_string(i) + ".test"});
    auto hosts = hosts_of(plan("example.test", rs));
    ASSERT_EQ(hosts.size(), 10u);
    EXPECT_EQ(hosts.front(), "mx499.test");  // preference 1
    EXPECT_EQ(hosts.back(), "mx490.test");   // preference 10

    mx_policy zero;
    zero.max_mx_hosts = 0;
    EXPECT_EQ(hosts_of(plan("example.test", rs, zero)).size(), 1u);
}

TEST(MxPlan, OnlyHostsBetterThanOurselves) {
    mx_policy policy;
    policy.local_names = {"mail.example.test"};
    EXPECT_EQ(hosts_of(plan("example.test",
                            records{{10, "primary.test"}, {20, "mail.example.test"}, {20, "peer.test"}, {30, "c.test"}},
                            policy)),
              std::vector<std::string>{"primary.test"});
    auto f = failure_of(plan("example.test", records{{10, "mail.example.test"}, {20, "backup.test"}}, policy));
    EXPECT_TRUE(f.permanent);
    EXPECT_EQ(f.enhanced_status, "5.4.6");
}

}  // namespace
}  // namespace mailroom::dns
