#include "delivery/outcome_recording.hpp"

#include <gtest/gtest.h>

#include "delivery_test_util.hpp"

namespace mailroom::delivery {
namespace {

using namespace test_util;
using status = queue::recipient::status;
using success = queue::recipient::success_kind;
using smtp::client::delivery_status;

TEST(delivery_outcome_recording, MixedOutcomesInOneTransfer) {
    auto env = envelope_for({"a@b.test", "c@b.test", "d@b.test"});
    const auto now = t0 + 1min;
    record_transfer(env, {0, 1, 2}, done_with({ok("a@b.test"), hard("c@b.test"), soft("d@b.test")}), "mx1.b.test", now);
    const auto& r = env.recipients;
    EXPECT_EQ(r[0].state, status::delivered);
    EXPECT_EQ(r[0].dsn_status, "2.0.0");
    EXPECT_EQ(r[0].success_notice, success::relayed);  // the server did not pass DSN on
    EXPECT_EQ(r[1].state, status::failed);
    EXPECT_EQ(r[1].last_error, "550 5.1.1 No such user / see https://example.test/help");
    EXPECT_EQ(r[1].dsn_status, "5.1.1");
    EXPECT_EQ(r[1].remote_mta, "mx1.b.test");
    EXPECT_EQ(r[1].last_attempt, now);
    EXPECT_EQ(r[1].success_notice, success::none);
    EXPECT_EQ(r[2].state, status::pending);
    EXPECT_EQ(r[2].last_error, "451 4.7.1 Greylisted");
    EXPECT_EQ(r[2].dsn_status, "4.7.1");
}

TEST(delivery_outcome_recording, DsnPassedOnMeansNoNoticeFromUs) {
    auto env = envelope_for({"a@b.test"});
    record_transfer(env, {0}, done_with({ok("a@b.test")}, true), "mx", t0);
    EXPECT_EQ(env.recipients[0].state, status::delivered);
    EXPECT_EQ(env.recipients[0].success_notice, success::none);
}

TEST(delivery_outcome_recording, EnhancedCodeOfTheWrongClassOrMissingIsDerived) {
    auto env = envelope_for({"a@b.test", "c@b.test", "d@b.test"});
    record_transfer(env, {0, 1, 2},
                    done_with({outcome("a@b.test", delivery_status::permanent, 554, "4.1.1", {"mixed up"}),
                               outcome("c@b.test", delivery_status::temporary, 421, "", {"busy"}),
                               outcome("d@b.test", delivery_status::delivered, 250, "", {"ok"})}),
                    "mx", t0);
    EXPECT_EQ(env.recipients[0].dsn_status, "5.0.0");
    EXPECT_EQ(env.recipients[1].dsn_status, "4.0.0");
    EXPECT_EQ(env.recipients[2].dsn_status, "2.0.0");
}

TEST(delivery_outcome_recording, EngineDecisionHasNoRemoteMtaAndNoCode) {
    auto env = envelope_for({"j\xc3\xb6rg@b.test"});
    record_transfer(env, {0},
                    done_with({outcome("j\xc3\xb6rg@b.test", delivery_status::permanent, 0, "5.6.7",
                                       {"server does not support SMTPUTF8"})}),
                    "mx1.b.test", t0);
    EXPECT_EQ(env.recipients[0].state, status::failed);
    EXPECT_EQ(env.recipients[0].last_error, "server does not support SMTPUTF8");
    EXPECT_EQ(env.recipients[0].dsn_status, "5.6.7");
    EXPECT_EQ(env.recipients[0].remote_mta, "");
}

TEST(delivery_outcome_recording, OutcomesMatchedByAddressWhenOutOfOrderAndMissingStaysPending) {
    auto env = envelope_for({"a@b.test", "c@b.test", "e@b.test"});
    record_transfer(env, {0, 1, 2}, done_with({hard("c@b.test"), ok("a@b.test")}), "mx", t0);
    EXPECT_EQ(env.recipients[0].state, status::delivered);
    EXPECT_EQ(env.recipients[1].state, status::failed);
    EXPECT_EQ(env.recipients[2].state, status::pending);  // no outcome: never bounced for our bug
    EXPECT_EQ(env.recipients[2].dsn_status, "4.3.0");
}

TEST(delivery_outcome_recording, FinalStatesAreNeverUndone) {
    auto env = envelope_for({"a@b.test", "c@b.test"});
    env.recipients[0].state = status::delivered;
    env.recipients[0].last_error = "250 first";
    record_transfer(env, {0, 1}, done_with({hard("a@b.test"), hard("c@b.test")}), "mx", t0);
    EXPECT_EQ(env.recipients[0].state, status::delivered);
    EXPECT_EQ(env.recipients[0].last_error, "250 first");
    EXPECT_EQ(env.recipients[1].state, status::failed);
    record_route_failure(env, {0, 1}, {false, 451, "4.4.3", "dns down"}, t0);
    EXPECT_EQ(env.recipients[1].state, status::failed);
    EXPECT_EQ(env.recipients[1].dsn_status, "5.1.1");
}

TEST(delivery_outcome_recording, HostileReplyIsOneBoundedLine) {
    auto env = envelope_for({"a@b.test"});
    std::string long_line(3000, 'x');
    // A 2-byte character straddling the cut (at max - 3) must not be split.
    const std::size_t prefix = std::string("550 5.7.1 bad??X-Injected: yes? / ").size();
    long_line.replace(max_last_error_bytes - 3 - 1 - prefix, 2, "\xc3\xa9");
    record_transfer(env, {0},
                    done_with({outcome("a@b.test", delivery_status::permanent, 550, "5.7.1",
                                       {"5.7.1 bad\r\nX-Injected: yes\x7f", long_line})}),
                    "mx", t0);
    const auto& e = env.recipients[0].last_error;
    EXPECT_LE(e.size(), max_last_error_bytes);
    EXPECT_TRUE(e.starts_with("550 5.7.1 bad??X-Injected: yes? / xxx")) << e;
    EXPECT_TRUE(e.ends_with("x...")) << e;  // cut before the split character
    for (const char c : e) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f);
    EXPECT_EQ(clean_reason(std::string(max_last_error_bytes, 'y')), std::string(max_last_error_bytes, 'y'));
    EXPECT_EQ(clean_reason(std::string(max_last_error_bytes + 1, 'y')).size(), max_last_error_bytes);
}

TEST(delivery_outcome_recording, RouteFailures) {
    auto env = envelope_for({"a@nullmx.test", "b@down.test", "c@odd.test"});
    record_route_failure(env, {0}, {true, 556, "5.1.10", "nullmx.test does not accept mail (null MX)"}, t0);
    record_route_failure(env, {1}, {false, 451, "4.4.3", "DNS lookup timed out"}, t0);
    record_route_failure(env, {2, 7}, {true, 550, "4.4.4", ""}, t0);  // class mismatch, no text
    EXPECT_EQ(env.recipients[0].state, status::failed);
    EXPECT_EQ(env.recipients[0].dsn_status, "5.1.10");
    EXPECT_EQ(env.recipients[0].last_error, "nullmx.test does not accept mail (null MX)");
    EXPECT_EQ(env.recipients[0].remote_mta, "");
    EXPECT_EQ(env.recipients[1].state, status::pending);
    EXPECT_EQ(env.recipients[1].dsn_status, "4.4.3");
    EXPECT_EQ(env.recipients[2].state, status::failed);
    EXPECT_EQ(env.recipients[2].dsn_status, "5.0.0");
    EXPECT_FALSE(env.recipients[2].last_error.empty());
}

TEST(delivery_outcome_recording, LocalFailuresAreTemporary) {
    auto env = envelope_for({"a@b.test", "c@d.test"});
    record_local_failure(env, {0}, "no route configured for b.test", "4.4.4", t0);
    record_local_failure(env, {1}, "queue directory not writable", "5.3.0", t0 + 1s);
    EXPECT_EQ(env.recipients[0].state, status::pending);
    EXPECT_EQ(env.recipients[0].dsn_status, "4.4.4");
    EXPECT_EQ(env.recipients[0].last_error, "no route configured for b.test");
    EXPECT_EQ(env.recipients[1].state, status::pending);
    EXPECT_EQ(env.recipients[1].dsn_status, "4.3.0");  // a 5.x.x code cannot make it permanent
    EXPECT_EQ(env.recipients[1].last_attempt, t0 + 1s);
}

TEST(delivery_outcome_recording, LocalDeliveryEarnsADeliveredNotice) {
    auto env = envelope_for({"a@here.test"});
    record_local_delivery(env, {0, 3}, t0);
    EXPECT_EQ(env.recipients[0].state, status::delivered);
    EXPECT_EQ(env.recipients[0].dsn_status, "2.0.0");
    EXPECT_EQ(env.recipients[0].success_notice, success::delivered);
    EXPECT_EQ(env.recipients[0].remote_mta, "");
}

TEST(delivery_outcome_recording, AdministrativeBounceFailsOnlyPendingRecipients) {
    auto env = envelope_for({"a@far.test", "b@far.test", "c@near.test"});
    record_transfer(env, {0}, done_with({ok("a@far.test")}), "mx.far.test", t0);
    record_route_failure(env, {1}, {false, 451, "4.4.3", "DNS lookup timed out"}, t0);
    EXPECT_EQ(record_administrative_bounce(env, t0 + 1s), 2u);  // b (deferred before) and c (never tried)
    EXPECT_EQ(env.recipients[0].state, status::delivered);      // a final state is never undone
    EXPECT_EQ(env.recipients[0].dsn_status, "2.0.0");
    for (std::size_t i : {1u, 2u}) {
        const auto& r = env.recipients[i];
        EXPECT_EQ(r.state, status::failed);
        EXPECT_EQ(r.dsn_status, "5.0.0");
        EXPECT_EQ(r.last_error, administrative_bounce_reason);
        EXPECT_EQ(r.remote_mta, "");
        EXPECT_EQ(r.last_attempt, t0 + 1s);
        EXPECT_FALSE(r.reported);
    }
    EXPECT_EQ(record_administrative_bounce(env, t0 + 2s), 0u);  // nothing left pending
    EXPECT_EQ(env.recipients[1].last_attempt, t0 + 1s);
}

}  // namespace
}  // namespace mailroom::delivery
