// delivery::count_round: each recipient pending before the round counts
// once by its state after it; earlier final states never count again.
#include "delivery/round_counts.hpp"

#include <gtest/gtest.h>

namespace mailroom::delivery {
namespace {

using status = queue::recipient::status;
using kind = queue::recipient::success_kind;

queue::recipient rcpt(std::string address, status s, kind k = kind::none) {
    queue::recipient r;
    r.address = std::move(address);
    r.state = s;
    r.success_notice = k;
    return r;
}

TEST(round_counts, each_outcome_from_pending) {
    queue::envelope before;
    before.recipients = {rcpt("a@here.test", status::pending), rcpt("b@far.test", status::pending),
                         rcpt("c@far.test", status::pending), rcpt("d@far.test", status::pending),
                         rcpt("e@far.test", status::pending)};
    queue::envelope after = before;
    after.recipients[0] = rcpt("a@here.test", status::delivered, kind::delivered);
    after.recipients[1] = rcpt("b@far.test", status::delivered, kind::relayed);
    after.recipients[2] = rcpt("c@far.test", status::delivered, kind::none);  // DSN passed on: still relayed
    after.recipients[3] = rcpt("d@far.test", status::failed);
    const auto c = count_round(&before, after);
    EXPECT_EQ(c.delivered_local, 1u);
    EXPECT_EQ(c.delivered_remote, 2u);
    EXPECT_EQ(c.bounced, 1u);
    EXPECT_EQ(c.deferred, 1u);
}

TEST(round_counts, final_before_the_round_is_not_counted_again) {
    queue::envelope before;
    before.recipients = {rcpt("a@far.test", status::delivered, kind::relayed), rcpt("b@far.test", status::failed),
                         rcpt("c@far.test", status::pending)};
    queue::envelope after = before;
    after.recipients[2].state = status::failed;
    const auto c = count_round(&before, after);
    EXPECT_EQ(c.delivered_remote, 0u);
    EXPECT_EQ(c.bounced, 1u);
    EXPECT_EQ(c.deferred, 0u);
}

TEST(round_counts, without_before_everything_was_pending) {
    queue::envelope after;
    after.recipients = {rcpt("a@far.test", status::pending), rcpt("b@far.test", status::failed)};
    const auto c = count_round(nullptr, after);
    EXPECT_EQ(c.deferred, 1u);
    EXPECT_EQ(c.bounced, 1u);
}

}  // namespace
}  // namespace mailroom::delivery
