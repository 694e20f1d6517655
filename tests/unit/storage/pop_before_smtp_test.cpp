#include "storage/pop_before_smtp.hpp"

#include <gtest/gtest.h>

namespace mailroom::storage {
namespace {

using namespace std::chrono_literals;

TEST(storage_pop_before_smtp, AllowedOnlyWithinTheWindow) {
    pop_before_smtp reg(600s);
    const auto t0 = std::chrono::system_clock::time_point(1700000000s);
    EXPECT_FALSE(reg.allowed("127.0.0.1", t0));
    reg.record("127.0.0.1", t0);
    EXPECT_TRUE(reg.allowed("127.0.0.1", t0));
    EXPECT_TRUE(reg.allowed("127.0.0.1", t0 + 600s));
    EXPECT_FALSE(reg.allowed("127.0.0.1", t0 + 601s));
    EXPECT_FALSE(reg.allowed("127.0.0.2", t0));
    EXPECT_TRUE(reg.allowed("127.0.0.1", t0 - 1s));  // clock stepped back: now - t < 0 <= window
}

TEST(storage_pop_before_smtp, NewLoginExtendsAndOldEntriesExpire) {
    pop_before_smtp reg(10s);
    const auto t0 = std::chrono::system_clock::time_point(1700000000s);
    reg.record("::1", t0);
    reg.record("::1", t0 + 8s);
    EXPECT_TRUE(reg.allowed("::1", t0 + 15s));
    reg.record("10.0.0.1", t0 + 30s);  // expires ::1
    EXPECT_FALSE(reg.allowed("::1", t0 + 30s));
    EXPECT_TRUE(reg.allowed("10.0.0.1", t0 + 30s));
}

TEST(storage_pop_before_smtp, ReloadedWindowCountsForLoginsAlreadyRecorded) {
    pop_before_smtp reg(600s);
    const auto t0 = std::chrono::system_clock::time_point(1700000000s);
    reg.record("127.0.0.1", t0);
    reg.set_window(60s);
    EXPECT_EQ(reg.window(), 60s);
    EXPECT_TRUE(reg.allowed("127.0.0.1", t0 + 60s));
    EXPECT_FALSE(reg.allowed("127.0.0.1", t0 + 61s));
}

}  // namespace
}  // namespace mailroom::storage
