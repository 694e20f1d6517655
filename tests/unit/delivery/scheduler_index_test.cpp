// delivery::due_index: the scheduler's due-time index and the order in
// which due lanes get a round (round robin over lanes).
#include "delivery/scheduler_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace mailroom::delivery {
namespace {

using namespace std::chrono_literals;
using time_point = due_index::time_point;
const time_point t0{std::chrono::seconds(1'700'000'000)};

lane_key domain(std::string d) { return {std::move(d), false}; }

// One round at a time (max_parallel_rounds = 1): each round takes the
// fairest lane's batch; its messages are out of the index while in the
// round and come back deferred by an hour. Returns the lane of each round.
std::vector<std::string> run_rounds(due_index& idx, std::size_t rounds, time_point now) {
    std::vector<std::string> order;
    for (std::size_t r = 0; r < rounds; ++r) {
        const auto lanes = idx.due_lanes(now);
        if (lanes.empty()) break;
        const auto ids = idx.batch(lanes.front(), now, 60s, 20);
        idx.served(lanes.front());
        for (const auto& id : ids) idx.erase(id);
        order.push_back(lanes.front().name);
        for (const auto& id : ids) idx.put(id, now + 1h, lanes.front());
        EXPECT_TRUE(idx.consistent());
    }
    return order;
}

TEST(delivery_due_index, BacklogForOneDomainDoesNotStarveAnother) {
    due_index idx;
    // 100 messages for a.test, all due before the one for z.test. The old
    // scan started rounds in alphabetical domain order (and oldest-first
    // would too here): z.test had to wait for five rounds of a.test.
    for (int i = 0; i < 100; ++i)
        idx.put("a" + std::to_string(1000 + i), t0 - 1h + std::chrono::seconds(i), domain("a.test"));
    idx.put("z1", t0 - 1s, domain("z.test"));
    const auto order = run_rounds(idx, 6, t0);
    ASSERT_GE(order.size(), 2u);
    const auto z = std::find(order.begin(), order.end(), "z.test") - order.begin();
    EXPECT_LE(z, 1) << "z.test waited for " << z << " rounds";
    EXPECT_EQ(order, (std::vector<std::string>{"a.test", "z.test", "a.test", "a.test", "a.test", "a.test"}));
}

TEST(delivery_due_index, LanesTakeTurns) {
    due_index idx;
    for (int i = 0; i < 60; ++i) {
        idx.put("b" + std::to_string(100 + i), t0 - 30min, domain("b.test"));
        idx.put("c" + std::to_string(100 + i), t0 - 20min, domain("c.test"));
        idx.put("a" + std::to_string(100 + i), t0 - 10min, domain("a.test"));
    }
    // Oldest lane first among the never served, then each in turn.
    EXPECT_EQ(run_rounds(idx, 7, t0),
              (std::vector<std::string>{"b.test", "c.test", "a.test", "b.test", "c.test", "a.test", "b.test"}));
}

TEST(delivery_due_index, BatchTakesTheDueThenTheSoonUpToTheLimit) {
    due_index idx;
    idx.put("late", t0 + 61s, domain("x.test"));
    idx.put("soon", t0 + 30s, domain("x.test"));
    idx.put("due2", t0 - 1s, domain("x.test"));
    idx.put("due1", t0 - 5s, domain("x.test"));
    idx.put("other", t0 - 9s, domain("y.test"));
    EXPECT_EQ(idx.batch(domain("x.test"), t0, 60s, 20), (std::vector<std::string>{"due1", "due2", "soon"}));
    EXPECT_EQ(idx.batch(domain("x.test"), t0, 60s, 2), (std::vector<std::string>{"due1", "due2"}));
    EXPECT_TRUE(idx.batch(domain("none.test"), t0, 60s, 20).empty());
    // Only lanes with something due, the one due earliest first.
    EXPECT_EQ(idx.due_lanes(t0), (std::vector<lane_key>{domain("y.test"), domain("x.test")}));
    EXPECT_TRUE(idx.due_lanes(t0 - 1h).empty());
    // The next wake is the earliest lane head still to come: a lane already
    // due waits for a round to end, not for its later messages.
    EXPECT_EQ(idx.next_after(t0 - 1h), t0 - 9s);
    EXPECT_EQ(idx.next_after(t0), std::nullopt);
    idx.put("future", t0 + 45s, domain("z.test"));
    EXPECT_EQ(idx.next_after(t0), t0 + 45s);
    EXPECT_EQ(idx.next_after(t0 + 45s), std::nullopt);
}

TEST(delivery_due_index, MessageForSeveralDomainsHasALaneOfItsOwn) {
    due_index idx;
    idx.put("m1", t0 - 1s, {"m1", true});
    idx.put("d1", t0 - 2s, domain("m1"));  // a domain spelled like the id is another lane
    const auto lanes = idx.due_lanes(t0);
    ASSERT_EQ(lanes.size(), 2u);
    EXPECT_EQ(idx.batch({"m1", true}, t0, 60s, 20), (std::vector<std::string>{"m1"}));
    // After a round its remaining domain is one: it moves to that lane.
    idx.put("m1", t0 - 1s, domain("m1"));
    EXPECT_EQ(idx.batch(domain("m1"), t0, 60s, 20), (std::vector<std::string>{"d1", "m1"}));
    EXPECT_EQ(idx.due_lanes(t0).size(), 1u);
    EXPECT_TRUE(idx.consistent());
}

// Random puts, moves, erases and turns against a plain map: the index
// answers like the map after every step and stays internally consistent.
TEST(delivery_due_index, StaysConsistentWithTheQueue) {
    std::mt19937 rng(12345);
    due_index idx;
    std::map<std::string, std::pair<time_point, lane_key>> model;
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int step = 0; step < 5000; ++step) {
        const auto id = "q" + std::to_string(pick(200));
        const auto now = t0 + std::chrono::seconds(pick(100));
        switch (pick(4)) {
            case 0:
            case 1: {
                const auto due = t0 + std::chrono::seconds(pick(200));
                lane_key lane = pick(5) == 0 ? lane_key{id, true} : domain("d" + std::to_string(pick(7)) + ".test");
                idx.put(id, due, lane);
                model[id] = {due, lane};
                break;
            }
            case 2:
                idx.erase(id);
                model.erase(id);
                break;
            default: {
                const auto lanes = idx.due_lanes(now);
                if (!lanes.empty()) idx.served(lanes[static_cast<std::size_t>(pick(static_cast<int>(lanes.size())))]);
            }
        }
        ASSERT_TRUE(idx.consistent()) << "step " << step;
        ASSERT_EQ(idx.size(), model.size());
        ASSERT_EQ(idx.contains(id), model.count(id) == 1);
        std::set<lane_key> due_lanes;
        std::optional<time_point> next;
        for (const auto& [mid, m] : model) {
            if (m.first <= now) due_lanes.insert(m.second);
        }
        std::map<lane_key, time_point> heads;
        for (const auto& [mid, m] : model) {
            auto [it, fresh] = heads.emplace(m.second, m.first);
            if (!fresh) it->second = std::min(it->second, m.first);
        }
        for (const auto& [lane, head] : heads)
            if (head > now && (!next || head < *next)) next = head;
        const auto got = idx.due_lanes(now);
        ASSERT_EQ(std::set<lane_key>(got.begin(), got.end()), due_lanes) << "step " << step;
        ASSERT_EQ(got.size(), due_lanes.size());
        ASSERT_EQ(idx.next_after(now), next) << "step " << step;
    }
}

}  // namespace
}  // namespace mailroom::delivery
