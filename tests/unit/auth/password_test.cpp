#include "auth/password.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

namespace mailroom::auth {
namespace {

const secret pw{std::string_view("wonderland")};

TEST(Password, HashVerifiesAndRejects) {
    auto c = make_credentials(pw, false).value();
    EXPECT_EQ(c.password_hash.rfind("$y$", 0), 0u) << c.password_hash;
    EXPECT_TRUE(verify_password(pw, c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("wonderlanD")), c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("")), c.password_hash));
    EXPECT_FALSE(verify_password(pw, ""));
    EXPECT_FALSE(verify_password(pw, "*0"));
    EXPECT_FALSE(verify_password(pw, "$y$garbage"));
    EXPECT_FALSE(c.legacy_secret);
}

TEST(Password, ScramKeysAreSaltedPerUser) {
    auto a = make_credentials(pw, false).value();
    auto b = make_credentials(pw, false).value();
    for (const auto* k : {&a.scram_sha1, &a.scram_sha256}) {
        EXPECT_EQ(k->iterations, 4096u);
        EXPECT_FALSE(k->salt_b64.empty());
    }
    EXPECT_EQ(a.scram_sha1.stored_key_hex.size(), 40u);
    EXPECT_EQ(a.scram_sha256.server_key_hex.size(), 64u);
    EXPECT_NE(a.scram_sha256.salt_b64, b.scram_sha256.salt_b64);
    EXPECT_NE(a.scram_sha256.stored_key_hex, b.scram_sha256.stored_key_hex);
    EXPECT_NE(a.password_hash, b.password_hash);
}

TEST(Password, ApopRfc1939Example) {
    credentials c;
    c.legacy_secret = secret(std::string_view("tanstaaf"));
    const std::string ts = "<1896.697170952@dbc.mtview.ca.us>";
    EXPECT_TRUE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22fb"));
    EXPECT_TRUE(verify_apop(c, ts, "C4C9334BAC560ECC979E58001B3E22FB"));
    EXPECT_FALSE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22fc"));
    EXPECT_FALSE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22f"));
    EXPECT_FALSE(verify_apop(c, "<other@host>", "c4c9334bac560ecc979e58001b3e22fb"));
    credentials no_legacy;
    EXPECT_FALSE(verify_apop(no_legacy, ts, "c4c9334bac560ecc979e58001b3e22fb"));
}

TEST(Password, LegacySecretKeptOnlyWhenAsked) {
    auto c = make_credentials(pw, true).value();
    ASSERT_TRUE(c.legacy_secret);
    EXPECT_EQ(c.legacy_secret->reveal(), "wonderland");
}

// Not an assertion (timing belongs to benchmarks): printed for the notes.
TEST(Password, ReportsHashingTime) {
    std::vector<double> make_ms, verify_ms;
    std::string hash;
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        hash = make_credentials(pw, false).value().password_hash;
        auto t1 = std::chrono::steady_clock::now();
        EXPECT_TRUE(verify_password(pw, hash));
        auto t2 = std::chrono::steady_clock::now();
        make_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        verify_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    std::sort(make_ms.begin(), make_ms.end());
    std::sort(verify_ms.begin(), verify_ms.end());
    std::cout << "median make_credentials " << make_ms[2] << " ms, verify_password " << verify_ms[2] << " ms\n";
}

}  // namespace
}  // namespace mailroom::auth
