#include "store/change_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mailroom::store {
namespace {

TEST(store_change_bus, PublishReachesOnlyThatMailbox) {
    change_bus bus;
    int a = 0, b = 0;
    auto sa1 = bus.subscribe("/m/a", [&] { ++a; });
    auto sa2 = bus.subscribe("/m/a", [&] { ++a; });
    auto sb = bus.subscribe("/m/b", [&] { ++b; });
    EXPECT_EQ(bus.publish("/m/a"), 2u);
    EXPECT_EQ(a, 2);
    EXPECT_EQ(b, 0);
    EXPECT_EQ(bus.publish("/m/c"), 0u);
    EXPECT_EQ(bus.publish("/m/b"), 1u);
    EXPECT_EQ(b, 1);
}

TEST(store_change_bus, EndedSubscriptionsHearNothing) {
    change_bus bus;
    int n = 0;
    {
        auto s = bus.subscribe("k", [&] { ++n; });
        auto moved = std::move(s);
        s.reset();  // the moved-from one owns nothing
        EXPECT_EQ(bus.publish("k"), 1u);
        change_bus::subscription assigned;
        assigned = std::move(moved);
        EXPECT_EQ(bus.publish("k"), 1u);
    }
    EXPECT_EQ(bus.publish("k"), 0u);
    EXPECT_EQ(n, 2);
}

// A session closing while a delivery publishes: once the subscription is
// gone the callback is never running (the callback here would touch a dead
// object otherwise; ASan/TSan builds would see it).
TEST(store_change_bus, UnsubscribeWaitsForARunningCallback) {
    change_bus bus;
    std::atomic<bool> stop{false};
    std::thread publisher([&] {
        while (!stop) bus.publish("k");
    });
    for (int i = 0; i < 2000; ++i) {
        auto alive = std::make_unique<int>(0);
        auto s = bus.subscribe("k", [p = alive.get()] { ++*p; });
        s.reset();
        alive.reset();
    }
    stop = true;
    publisher.join();
    EXPECT_EQ(bus.publish("k"), 0u);
}

}  // namespace
}  // namespace mailroom::store
