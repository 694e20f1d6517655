#include "auth/password.hpp"

#include <gsasl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

const secret pw{std::string_view("wonderland")};

std::string hex(const char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<unsigned char>(p[i]);
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

TEST(auth_password, HashVerifiesAndRejects) {
    auto c = make_credentials(pw, false).value();
    EXPECT_EQ(c.password_hash.rfind("$y$", 0), 0u) << c.password_hash;
    EXPECT_TRUE(verify_password(pw, c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("wonderlanD")), c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("wonderland ")), c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("")), c.password_hash));
    EXPECT_FALSE(verify_password(pw, ""));
    EXPECT_FALSE(verify_password(pw, "*0"));
    EXPECT_FALSE(verify_password(pw, "$y$garbage"));
    EXPECT_FALSE(c.legacy_secret);
}

TEST(auth_password, NulBytesAreNotTruncated) {
    // crypt(3) takes C strings: "wonderland\0x" must not hash as "wonderland".
    const secret with_nul(std::string_view("wonderland\0x", 12));
    EXPECT_EQ(make_credentials(with_nul, false).error(), errc::invalid_argument);
    auto c = make_credentials(pw, false).value();
    EXPECT_FALSE(verify_password(with_nul, c.password_hash));
    EXPECT_EQ(make_credentials(secret(std::string_view("bell\x07")), false).error(), errc::invalid_argument);
}

TEST(auth_password, SaslprepMakesEquivalentPasswordsEqual) {
    // RFC 4013 §3: U+00AD SOFT HYPHEN maps to nothing, so "I\u00ADX" is "IX",
    // as GNU SASL's PLAIN and SCRAM see it.
    auto c = make_credentials(secret(std::string_view("I\xC2\xADX")), false).value();
    EXPECT_TRUE(verify_password(secret(std::string_view("IX")), c.password_hash));
    EXPECT_TRUE(verify_password(secret(std::string_view("I\xC2\xADX")), c.password_hash));
    EXPECT_FALSE(verify_password(secret(std::string_view("I X")), c.password_hash));
}

TEST(auth_password, ScramKeysAreSaltedPerUser) {
    auto a = make_credentials(pw, false).value();
    auto b = make_credentials(pw, false).value();
    for (const auto* k : {&a.scram_sha1, &a.scram_sha256, &b.scram_sha1, &b.scram_sha256}) {
        EXPECT_EQ(k->iterations, 4096u);
        EXPECT_EQ(k->salt_b64.size(), 24u);  // 16 bytes
        EXPECT_FALSE(k->empty());
    }
    EXPECT_EQ(a.scram_sha1.stored_key_hex.size(), 40u);
    EXPECT_EQ(a.scram_sha1.server_key_hex.size(), 40u);
    EXPECT_EQ(a.scram_sha256.stored_key_hex.size(), 64u);
    EXPECT_EQ(a.scram_sha256.server_key_hex.size(), 64u);
    EXPECT_NE(a.scram_sha1.salt_b64, b.scram_sha1.salt_b64);
    EXPECT_NE(a.scram_sha256.salt_b64, b.scram_sha256.salt_b64);
    EXPECT_NE(a.scram_sha1.stored_key_hex, b.scram_sha1.stored_key_hex);
    EXPECT_NE(a.scram_sha256.stored_key_hex, b.scram_sha256.stored_key_hex);
    EXPECT_NE(a.scram_sha256.server_key_hex, b.scram_sha256.server_key_hex);
    EXPECT_NE(a.password_hash, b.password_hash);
}

// The stored keys are what GNU SASL derives from the stored (base64) salt.
TEST(auth_password, ScramKeysMatchTheirSalt) {
    auto c = make_credentials(pw, false).value();
    for (auto [hash, k] : {std::pair{GSASL_HASH_SHA1, &c.scram_sha1}, std::pair{GSASL_HASH_SHA256, &c.scram_sha256}}) {
        unsigned char salt[32];
        const int salt_len = EVP_DecodeBlock(salt, reinterpret_cast<const unsigned char*>(k->salt_b64.data()),
                                             static_cast<int>(k->salt_b64.size()));
        ASSERT_EQ(salt_len, 18);  // EVP_DecodeBlock counts the padding: 16 bytes + 2
        char salted[GSASL_HASH_MAX_SIZE], client_key[GSASL_HASH_MAX_SIZE], server_key[GSASL_HASH_MAX_SIZE],
            stored_key[GSASL_HASH_MAX_SIZE];
        ASSERT_EQ(gsasl_scram_secrets_from_password(hash, "wonderland", 4096, reinterpret_cast<const char*>(salt), 16,
                                                    salted, client_key, server_key, stored_key),
                  GSASL_OK);
        EXPECT_EQ(k->stored_key_hex, hex(stored_key, gsasl_hash_length(hash)));
        EXPECT_EQ(k->server_key_hex, hex(server_key, gsasl_hash_length(hash)));
    }
}

TEST(auth_password, ApopRfc1939Example) {
    credentials c;
    c.legacy_secret = secret(std::string_view("tanstaaf"));
    const std::string ts = "<1896.697170952@dbc.mtview.ca.us>";
    EXPECT_TRUE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22fb"));
    EXPECT_TRUE(verify_apop(c, ts, "C4C9334BAC560ECC979E58001B3E22FB"));
    EXPECT_FALSE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22fc"));
    EXPECT_FALSE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22f"));
    EXPECT_FALSE(verify_apop(c, ts, "c4c9334bac560ecc979e58001b3e22fb0"));
    EXPECT_FALSE(verify_apop(c, ts, ""));
    EXPECT_FALSE(verify_apop(c, "<other@host>", "c4c9334bac560ecc979e58001b3e22fb"));
    credentials no_legacy;
    EXPECT_FALSE(verify_apop(no_legacy, ts, "c4c9334bac560ecc979e58001b3e22fb"));
}

TEST(auth_password, LegacySecretKeptOnlyWhenAsked) {
    auto c = make_credentials(pw, true).value();
    ASSERT_TRUE(c.legacy_secret);
    EXPECT_EQ(c.legacy_secret->reveal(), "wonderland");
    EXPECT_TRUE(verify_apop(c, "<1.2@x>", [] {
        // MD5("<1.2@x>wonderland") computed independently of verify_apop.
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        const std::string in = "<1.2@x>wonderland";
        EVP_Digest(in.data(), in.size(), md, &len, EVP_md5(), nullptr);
        return hex(reinterpret_cast<const char*>(md), len);
    }()));
}

// Not an assertion (timing belongs to benchmarks): printed for the notes.
TEST(auth_password, ReportsHashingTime) {
    std::vector<double> make_ms, verify_ms;
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto hash = make_credentials(pw, false).value().password_hash;
        auto t1 = std::chrono::steady_clock::now();
        EXPECT_TRUE(verify_password(pw, hash));
        auto t2 = std::chrono::steady_clock::now();
        make_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        verify_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    std::sort(make_ms.begin(), make_ms.end());
    std::sort(verify_ms.begin(), verify_ms.end());
    std::cout << "median of 5: make_credentials " << make_ms[2] << " ms, verify_password " << verify_ms[2] << " ms\n";
}

}  // namespace
}  // namespace mailroom::auth
