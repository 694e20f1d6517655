#include "delivery/bounce_envelope.hpp"

#include <gtest/gtest.h>

#include "delivery/outcome_decision.hpp"
#include "delivery/outcome_recording.hpp"
#include "delivery_test_util.hpp"
#include "support/fixed_env.hpp"

namespace mailroom::delivery {
namespace {

using namespace test_util;

TEST(delivery_bounce_envelope, NullSenderOneRecipientNotifyNever) {
    auto original = envelope_for({"a@b.test"}, "Alice@Here.test");
    original.envid = "E1";
    original.ret = queue::envelope::ret_kind::full;
    original.smtputf8 = true;
    original.eight_bit = true;
    mail::dsn_message dsn{"From: x\r\n\r\nbody\r\n", false, false};
    const auto env = make_dsn_envelope(original, dsn, "mx.here.test", t0 + 1h);
    ASSERT_TRUE(env);
    EXPECT_EQ(env->sender, "");
    ASSERT_EQ(env->recipients.size(), 1u);
    EXPECT_EQ(env->recipients[0].address, "Alice@Here.test");
    EXPECT_EQ(env->recipients[0].notify, queue::recipient::notify_never);
    EXPECT_EQ(env->recipients[0].state, queue::recipient::status::pending);
    EXPECT_FALSE(env->smtputf8);  // the DSN's needs, not the original's
    EXPECT_FALSE(env->eight_bit);
    EXPECT_EQ(env->envid, "");
    EXPECT_EQ(env->ret, queue::envelope::ret_kind::unspecified);
    EXPECT_EQ(env->helo, "mx.here.test");
    EXPECT_EQ(env->arrived, t0 + 1h);
    EXPECT_EQ(env->next_attempt, t0 + 1h);
    EXPECT_EQ(env->attempts, 0u);
    EXPECT_EQ(reloaded(*env), *env);  // the spool can store it

    dsn.needs_8bitmime = true;
    dsn.needs_smtputf8 = true;
    const auto utf8 = make_dsn_envelope(original, dsn, "mx.here.test", t0);
    ASSERT_TRUE(utf8);
    EXPECT_TRUE(utf8->smtputf8);
    EXPECT_TRUE(utf8->eight_bit);
}

TEST(delivery_bounce_envelope, NoneForANullSender) {
    const auto original = envelope_for({"a@b.test"}, "");
    EXPECT_FALSE(make_dsn_envelope(original, mail::dsn_message{"x\r\n", false, false}, "mx", t0));
}

// The whole path the scheduler takes: record, decide, compose, envelope;
// and the DSN itself can never ask for a DSN.
TEST(delivery_bounce_envelope, ComposedBounceGoesToTheSenderAndCannotBounce) {
    auto original = envelope_for({"a@b.test"});
    record_transfer(original, {0}, done_with({hard("a@b.test")}), "mx.b.test", t0);
    const auto d = decide_after_attempt(original, queue::retry_policy{}, t0);
    ASSERT_EQ(d.bounce.size(), 1u);
    mail::dsn_request req;
    req.reporting_mta = "mx.here.test";
    req.recipients = d.bounce;
    req.now = t0;
    test::seeded_random rnd;
    const auto dsn = mail::compose_dsn(req, original, "Subject: hi\r\n\r\nhello\r\n", rnd);
    ASSERT_TRUE(dsn);
    EXPECT_NE(dsn->bytes.find("5.1.1"), std::string::npos);
    auto env = make_dsn_envelope(original, *dsn, "mx.here.test", t0);
    ASSERT_TRUE(env);
    EXPECT_EQ(env->recipients[0].address, "alice@here.test");

    // The DSN itself bounces: nothing is reported about it.
    record_transfer(*env, {0}, done_with({hard("alice@here.test")}), "mx.here", t0);
    const auto d2 = decide_after_attempt(*env, queue::retry_policy{}, t0);
    EXPECT_TRUE(d2.finished);
    EXPECT_TRUE(d2.bounce.empty());
}

}  // namespace
}  // namespace mailroom::delivery
