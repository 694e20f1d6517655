#include "delivery/plan_grouping.hpp"

#include <gtest/gtest.h>

#include "delivery_test_util.hpp"

namespace mailroom::delivery {
namespace {

using namespace test_util;
using idx = std::vector<std::size_t>;

TEST(delivery_plan_grouping, GroupsPendingRecipientsByCaseFoldedDomain) {
    auto env = envelope_for({"a@B.example", "b@c.example", "c@b.EXAMPLE", "d@c.example", "e@b.example"});
    env.recipients[3].state = queue::recipient::status::delivered;
    env.recipients[4].state = queue::recipient::status::failed;
    const auto groups = pending_by_domain(env);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].domain, "b.example");
    EXPECT_EQ(groups[0].indexes, (idx{0, 2}));
    EXPECT_EQ(groups[1].domain, "c.example");
    EXPECT_EQ(groups[1].indexes, (idx{1}));
}

TEST(delivery_plan_grouping, LastAtSeparatesAndUtf8DomainsStayAsTheyAre) {
    auto env = envelope_for({"\"x@y\"@Z.test", "j\xc3\xb6rg@B\xc3\xbcRO.test", "postmaster", "q@[192.0.2.1]"});
    const auto groups = pending_by_domain(env);
    ASSERT_EQ(groups.size(), 4u);
    EXPECT_EQ(groups[0].domain, "");  // no '@': no route can serve it
    EXPECT_EQ(groups[0].indexes, (idx{2}));
    EXPECT_EQ(groups[1].domain, "[192.0.2.1]");
    EXPECT_EQ(groups[2].domain, "b\xc3\xbcro.test");  // only ASCII letters folded
    EXPECT_EQ(groups[3].domain, "z.test");
}

TEST(delivery_plan_grouping, NothingPendingNoGroups) {
    auto env = envelope_for({"a@b.test"});
    env.recipients[0].state = queue::recipient::status::delivered;
    EXPECT_TRUE(pending_by_domain(env).empty());
    EXPECT_TRUE(pending_by_domain(queue::envelope{}).empty());
}

TEST(delivery_plan_grouping, OutgoingCarriesEnvelopeAndDsnOptions) {
    auto env = envelope_for({"a@b.test", "c@d.test", "e@b.test"});
    env.envid = "ENV 1";
    env.ret = queue::envelope::ret_kind::headers;
    env.smtputf8 = true;
    env.eight_bit = true;
    env.recipients[2].notify = queue::recipient::notify_success | queue::recipient::notify_failure;
    env.recipients[2].orcpt = "rfc822;E@b.test";
    struct sized final : smtp::client::stored_content {
        std::uint64_t size() const noexcept override { return 42; }
        result<std::string> read(std::uint64_t, std::size_t) const override { return std::string(); }
    };
    const auto content = std::make_shared<sized>();
    const auto m = to_outgoing(env, {0, 2, 99}, content);
    EXPECT_EQ(m.id, "q0001");
    EXPECT_EQ(m.sender, "alice@here.test");
    ASSERT_EQ(m.recipients.size(), 2u);  // 99 is out of range
    EXPECT_EQ(m.recipients[0].address, "a@b.test");
    EXPECT_EQ(m.recipients[0].notify, 0u);
    EXPECT_EQ(m.recipients[1].address, "e@b.test");
    EXPECT_EQ(m.recipients[1].notify, 3u);
    EXPECT_EQ(m.recipients[1].orcpt, "rfc822;E@b.test");
    EXPECT_EQ(m.envid, "ENV 1");
    EXPECT_EQ(m.ret, smtp::dsn_ret::headers);
    EXPECT_TRUE(m.smtputf8);
    EXPECT_TRUE(m.eight_bit);
    EXPECT_EQ(m.stored, content);  // the queued file itself, read while sending
    EXPECT_EQ(m.content_size(), 42u);
    env.ret = queue::envelope::ret_kind::full;
    EXPECT_EQ(to_outgoing(env, {0}, nullptr).ret, smtp::dsn_ret::full);
    env.ret = queue::envelope::ret_kind::unspecified;
    env.sender = "";
    const auto bounce = to_outgoing(env, {1}, nullptr);
    EXPECT_EQ(bounce.ret, smtp::dsn_ret::unspecified);
    EXPECT_EQ(bounce.sender, "");
}

}  // namespace
}  // namespace mailroom::delivery
