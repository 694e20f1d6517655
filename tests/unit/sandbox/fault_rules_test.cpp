// sandbox::fault_book: matching, nth, times, seeded probability, replay.
#include "sandbox/fault_rules.hpp"

#include <gtest/gtest.h>

namespace mailroom::sandbox {
namespace {

fault_event retr(std::uint64_t session, unsigned count) { return {"pop3", "pop3", "RETR", "bob", session, count}; }

TEST(FaultBook, MatchesFieldsCaseInsensitivelyOnce) {
    fault_book book;
    fault_rule r;
    r.match.protocol = "pop3";
    r.match.command = "retr";
    r.action = drop_connection{};
    auto id = book.add(r);
    EXPECT_FALSE(book.decide({"smtp", "smtp", "RETR", "", 1, 1}));
    auto d = book.decide(retr(1, 1));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->rule, id);
    EXPECT_TRUE(std::holds_alternative<drop_connection>(d->action));
    EXPECT_FALSE(book.decide(retr(1, 2)));  // once
    EXPECT_EQ(book.list()[0].fired, 1u);
    EXPECT_TRUE(book.remove(id));
    EXPECT_FALSE(book.remove(id));
}

TEST(FaultBook, NthInSessionAndOverallAndTimes) {
    fault_book book;
    fault_rule second;
    second.match.command = "RETR";
    second.match.nth_in_session = 2;
    second.times = 0;  // always
    second.action = error_reply{0, "no"};
    book.add(second);
    EXPECT_FALSE(book.decide(retr(1, 1)));
    EXPECT_TRUE(book.decide(retr(1, 2)));
    EXPECT_FALSE(book.decide(retr(1, 3)));
    EXPECT_TRUE(book.decide(retr(2, 2)));

    fault_book overall;
    fault_rule third;
    third.match.nth_overall = 3;
    third.action = delay_reply{std::chrono::milliseconds(5)};
    overall.add(third);
    EXPECT_FALSE(overall.decide(retr(1, 1)));
    EXPECT_FALSE(overall.decide(retr(2, 1)));
    EXPECT_TRUE(overall.decide(retr(3, 1)));
    EXPECT_FALSE(overall.decide(retr(4, 1)));

    fault_book twice;
    fault_rule t;
    t.times = 2;
    t.action = tls_failure{};
    twice.add(t);
    EXPECT_TRUE(twice.decide(retr(1, 1)));
    EXPECT_TRUE(twice.decide(retr(1, 2)));
    EXPECT_FALSE(twice.decide(retr(1, 3)));
}

std::vector<bool> run(fault_book& book) {
    std::vector<bool> out;
    for (std::uint64_t s = 1; s <= 20; ++s)
        for (unsigned c = 1; c <= 10; ++c) out.push_back(book.decide(retr(s, c)).has_value());
    return out;
}

TEST(FaultBook, SeededProbabilityReplaysIdentically) {
    fault_rule r;
    r.match.probability = 0.3;
    r.times = 0;
    r.action = drop_connection{};
    fault_book a(42), b(42), c(43);
    a.add(r);
    b.add(r);
    c.add(r);
    auto first = run(a);
    EXPECT_EQ(first, run(b));
    EXPECT_NE(first, run(c));
    auto fired = std::count(first.begin(), first.end(), true);
    EXPECT_GT(fired, 30);  // about 60 of 200
    EXPECT_LT(fired, 90);
    a.reseed(42);
    EXPECT_EQ(first, run(a));
    EXPECT_EQ(fault_draw(1, 2, 3, 4), fault_draw(1, 2, 3, 4));
    EXPECT_NE(fault_draw(1, 2, 3, 4), fault_draw(1, 2, 3, 5));
}

TEST(FaultBook, FirstMatchingRuleWins) {
    fault_book book;
    fault_rule smtp;
    smtp.match.protocol = "smtp";
    smtp.action = drop_connection{};
    fault_rule any;
    any.action = malformed_reply{malformation::bare_lf};
    book.add(smtp);
    auto any_id = book.add(any);
    auto d = book.decide(retr(1, 1));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->rule, any_id);
    EXPECT_EQ(action_name(d->action), "malformed");
}

}  // namespace
}  // namespace mailroom::sandbox
