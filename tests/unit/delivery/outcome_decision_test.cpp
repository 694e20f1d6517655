#include "delivery/outcome_decision.hpp"

#include <gtest/gtest.h>

#include "delivery/outcome_recording.hpp"
#include "delivery_test_util.hpp"

namespace mailroom::delivery {
namespace {

using namespace test_util;
using status = queue::recipient::status;
using idx = std::vector<std::size_t>;
constexpr unsigned notify_success = queue::recipient::notify_success;
constexpr unsigned notify_failure = queue::recipient::notify_failure;
constexpr unsigned notify_never = queue::recipient::notify_never;

queue::retry_policy warning_policy() {
    queue::retry_policy p;
    p.delay_warning_after = std::chrono::hours(4);
    return p;
}

TEST(delivery_outcome_decision, MixedOutcomesBounceNowAndRetryTheRest) {
    auto env = envelope_for({"a@b.test", "c@b.test", "d@b.test"});
    const auto now = t0 + 1min;
    record_transfer(env, {0, 1, 2}, done_with({ok("a@b.test"), hard("c@b.test"), soft("d@b.test")}, true), "mx", now);
    const auto d = decide_after_attempt(env, queue::retry_policy{}, now);
    EXPECT_FALSE(d.finished);
    EXPECT_EQ(d.bounce, (idx{1}));  // promptly, while d@ is still retried
    EXPECT_EQ(d.settled, (idx{0, 1}));
    EXPECT_TRUE(d.delivered_notices.empty());
    EXPECT_TRUE(d.relayed_notices.empty());
    EXPECT_FALSE(d.delay_warning_due);
    EXPECT_EQ(env.attempts, 1u);
    ASSERT_TRUE(d.next_attempt);
    EXPECT_EQ(*d.next_attempt, now + 5min);  // first backoff of the default policy
    EXPECT_EQ(env.next_attempt, *d.next_attempt);
}

TEST(delivery_outcome_decision, AllPermanentFinishesWithOneBounce) {
    auto env = envelope_for({"a@b.test", "c@d.test"});
    record_transfer(env, {0}, done_with({hard("a@b.test")}), "mx.b", t0);
    record_route_failure(env, {1}, {true, 556, "5.1.10", "null MX"}, t0);
    const auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_EQ(d.bounce, (idx{0, 1}));
    EXPECT_FALSE(d.next_attempt);
    EXPECT_EQ(env.attempts, 1u);  // one round, two domains
}

TEST(delivery_outcome_decision, TemporaryUntilExpiryThenFailedWith447) {
    auto env = envelope_for({"a@b.test"});
    const queue::retry_policy policy;
    auto now = t0;
    unsigned rounds = 0;
    for (; rounds < 100; ++rounds) {
        record_transfer(env, {0}, done_with({soft("a@b.test")}), "mx", now);
        const auto d = decide_after_attempt(env, policy, now);
        if (d.finished) {
            EXPECT_EQ(d.bounce, (idx{0}));
            break;
        }
        EXPECT_TRUE(d.bounce.empty());
        ASSERT_TRUE(d.next_attempt);
        ASSERT_GT(*d.next_attempt, now);
        mark_notices_queued(env, d);
        now = *d.next_attempt;
    }
    EXPECT_EQ(rounds, 35u);  // 36 attempts in 5 days (retry_schedule.hpp)
    EXPECT_EQ(env.attempts, 36u);
    EXPECT_EQ(now, t0 + policy.max_lifetime);
    EXPECT_EQ(env.recipients[0].state, status::failed);
    EXPECT_EQ(env.recipients[0].dsn_status, "4.4.7");
    EXPECT_EQ(env.recipients[0].last_error, "451 4.7.1 Greylisted");  // the last reason is kept
}

TEST(delivery_outcome_decision, ExpiryWithoutAnyReasonStillSaysWhy) {
    auto env = envelope_for({"a@b.test"});
    const auto d = decide_after_attempt(env, queue::retry_policy{}, t0 + std::chrono::days(6));
    EXPECT_TRUE(d.finished);
    EXPECT_EQ(d.bounce, (idx{0}));
    EXPECT_FALSE(env.recipients[0].last_error.empty());
}

TEST(delivery_outcome_decision, NotifyNeverAndNullSenderGetNoBounceButAreSettled) {
    auto env = envelope_for({"a@b.test", "c@b.test"});
    env.recipients[0].notify = notify_never;
    env.recipients[1].notify = notify_success;  // success only: no failure report
    record_transfer(env, {0, 1}, done_with({hard("a@b.test"), hard("c@b.test")}), "mx", t0);
    auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_TRUE(d.bounce.empty());
    EXPECT_TRUE(d.dropped.empty());  // the sender chose silence: nothing to log as dropped
    EXPECT_EQ(d.settled, (idx{0, 1}));

    auto bounce = envelope_for({"a@b.test"}, "");  // a bounce that bounced: never a bounce for it
    bounce.recipients[0].notify = notify_failure;
    record_transfer(bounce, {0}, done_with({hard("a@b.test")}), "mx", t0);
    d = decide_after_attempt(bounce, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_TRUE(d.bounce.empty());
    EXPECT_EQ(d.dropped, (idx{0}));  // the scheduler logs it: the log is all that is left
    EXPECT_EQ(d.settled, (idx{0}));
}

// A null-sender message is logged as dropped once per failed recipient:
// in the round that failed it, not again in later rounds.
TEST(delivery_outcome_decision, NullSenderFailuresAreDroppedOnceEach) {
    auto env = envelope_for({"a@b.test", "c@b.test"}, "");
    record_transfer(env, {0, 1}, done_with({hard("a@b.test"), soft("c@b.test")}), "mx", t0);
    auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_FALSE(d.finished);
    EXPECT_EQ(d.dropped, (idx{0}));
    mark_notices_queued(env, d);
    const auto later = t0 + 10min;
    record_transfer(env, {1}, done_with({hard("c@b.test")}), "mx", later);
    d = decide_after_attempt(env, queue::retry_policy{}, later);
    EXPECT_TRUE(d.finished);
    EXPECT_EQ(d.dropped, (idx{1}));
    EXPECT_TRUE(d.bounce.empty());
}

TEST(delivery_outcome_decision, DelayWarningOnceOnly) {
    auto env = envelope_for({"a@b.test", "c@b.test", "e@b.test"});
    env.recipients[1].notify = notify_never;
    const auto policy = warning_policy();
    auto round = [&](std::chrono::system_clock::time_point now) {
        record_transfer(env, {0, 1, 2}, done_with({soft("a@b.test"), soft("c@b.test"), soft("e@b.test")}), "mx", now);
        auto d = decide_after_attempt(env, policy, now);
        mark_notices_queued(env, d);
        env = reloaded(env);
        return d;
    };
    EXPECT_FALSE(round(t0 + 1h).delay_warning_due);  // too early
    const auto first = round(t0 + 5h);
    EXPECT_TRUE(first.delay_warning_due);
    EXPECT_EQ(first.warn_delay, (idx{0, 2}));
    EXPECT_TRUE(env.delay_warned);
    const auto second = round(t0 + 9h);
    EXPECT_FALSE(second.delay_warning_due);
    EXPECT_TRUE(second.warn_delay.empty());
}

TEST(delivery_outcome_decision, DelayWarningDueButNobodyAskedStillCountsAsSent) {
    auto env = envelope_for({"a@b.test"});
    env.recipients[0].notify = notify_never;
    record_transfer(env, {0}, done_with({soft("a@b.test")}), "mx", t0 + 5h);
    const auto d = decide_after_attempt(env, warning_policy(), t0 + 5h);
    EXPECT_TRUE(d.delay_warning_due);
    EXPECT_TRUE(d.warn_delay.empty());
    mark_notices_queued(env, d);
    EXPECT_TRUE(env.delay_warned);
}

TEST(delivery_outcome_decision, SuccessNoticesRelayedDeliveredOrNone) {
    auto env = envelope_for({"a@legacy.test", "b@modern.test", "c@here.test", "d@legacy.test"});
    for (auto& r : env.recipients) r.notify = notify_success | notify_failure;
    env.recipients[3].notify = notify_failure;  // did not ask for success
    record_transfer(env, {0, 3}, done_with({ok("a@legacy.test"), ok("d@legacy.test")}, false), "mx.legacy", t0);
    record_transfer(env, {1}, done_with({ok("b@modern.test")}, true), "mx.modern", t0);
    record_local_delivery(env, {2}, t0);
    const auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_EQ(d.relayed_notices, (idx{0}));    // RFC 3461 §5.2.3: next hop without DSN
    EXPECT_EQ(d.delivered_notices, (idx{2}));  // RFC 3461 §5.2.2: final delivery here
    EXPECT_TRUE(d.bounce.empty());
    EXPECT_EQ(d.settled, (idx{0, 1, 2, 3}));
}

TEST(delivery_outcome_decision, RouteFailureForOneDomainWhileAnotherDelivers) {
    auto env = envelope_for({"a@good.test", "b@nomx.test", "c@good.test", "d@slow.test"});
    record_transfer(env, {0, 2}, done_with({ok("a@good.test"), ok("c@good.test")}, true), "mx.good", t0);
    record_route_failure(env, {1}, {true, 556, "5.1.10", "nomx.test has a null MX"}, t0);
    record_route_failure(env, {3}, {false, 451, "4.4.3", "SERVFAIL for slow.test"}, t0);
    const auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_FALSE(d.finished);
    EXPECT_EQ(d.bounce, (idx{1}));
    EXPECT_EQ(env.recipients[3].state, status::pending);
    EXPECT_EQ(env.recipients[3].dsn_status, "4.4.3");
    ASSERT_TRUE(d.next_attempt);
}

TEST(delivery_outcome_decision, AdministrativeBounceFinishesWithOneFailureDsn) {
    auto env = envelope_for({"a@far.test", "b@far.test", "c@far.test"});
    env.recipients[2].notify = notify_never;
    record_transfer(env, {0}, done_with({ok("a@far.test")}), "mx.far.test", t0);
    record_administrative_bounce(env, t0);
    auto d = decide_after_attempt(env, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_EQ(d.bounce, idx{1});  // c said NOTIFY=NEVER; a was delivered
    EXPECT_FALSE(d.next_attempt);

    auto bounce_of_bounce = envelope_for({"alice@here.test"}, "");
    record_administrative_bounce(bounce_of_bounce, t0);
    d = decide_after_attempt(bounce_of_bounce, queue::retry_policy{}, t0);
    EXPECT_TRUE(d.finished);
    EXPECT_TRUE(d.bounce.empty());  // never a bounce to the null sender
    EXPECT_EQ(d.settled, idx{0});
}

TEST(delivery_outcome_decision, RestartNeverLosesOrRepeatsABounce) {
    auto env = envelope_for({"a@b.test", "c@d.test", "e@f.test"});
    const queue::retry_policy policy;
    // Round 1: a@ fails hard, the others wait. DSN queued, then marked, then persisted.
    record_transfer(env, {0}, done_with({hard("a@b.test")}), "mx.b", t0);
    record_transfer(env, {1}, done_with({soft("c@d.test")}), "mx.d", t0);
    record_route_failure(env, {2}, {false, 451, "4.4.3", "timeout"}, t0);
    auto d1 = decide_after_attempt(env, policy, t0);
    EXPECT_EQ(d1.bounce, (idx{0}));

    // Crash after the DSN was queued but before the envelope was updated:
    // the spool still has the envelope from before the round, which redoes
    // it and reports a@ again (at most a repeat, never a loss).
    const auto before_round = reloaded(envelope_for({"a@b.test", "c@d.test", "e@f.test"}));
    EXPECT_FALSE(before_round.recipients[0].reported);

    mark_notices_queued(env, d1);
    env = reloaded(env);  // restart after a clean update
    EXPECT_TRUE(env.recipients[0].reported);
    EXPECT_EQ(env.recipients[0].state, status::failed);
    EXPECT_EQ(env.recipients[1].last_error, "451 4.7.1 Greylisted");
    EXPECT_EQ(env.attempts, 1u);
    EXPECT_EQ(env.next_attempt, *d1.next_attempt);

    // Round 2: c@ fails hard now; only c@ is bounced, a@ is not repeated.
    const auto t1 = env.next_attempt;
    record_transfer(env, {1}, done_with({hard("c@d.test")}), "mx.d", t1);
    record_transfer(env, {2}, done_with({ok("e@f.test")}), "mx.f", t1);
    auto d2 = decide_after_attempt(env, policy, t1);
    EXPECT_TRUE(d2.finished);
    EXPECT_EQ(d2.bounce, (idx{1}));
    EXPECT_EQ(d2.settled, (idx{1, 2}));
    EXPECT_EQ(env.attempts, 2u);

    // Crash before marking round 2: the decision made again from disk is the same.
    auto again = reloaded(env);
    again.attempts = 1;  // as persisted before the round's update
    const auto d2_again = decide_after_attempt(again, policy, t1);
    EXPECT_EQ(d2_again.bounce, d2.bounce);
    mark_notices_queued(env, d2);
    mark_notices_queued(env, d2);  // idempotent
    env = reloaded(env);
    for (const auto& r : env.recipients) EXPECT_TRUE(r.reported);
    const auto d3 = decide_after_attempt(env, policy, t1);
    EXPECT_TRUE(d3.finished);
    EXPECT_TRUE(d3.bounce.empty());
    EXPECT_TRUE(d3.settled.empty());
}

}  // namespace
}  // namespace mailroom::delivery
