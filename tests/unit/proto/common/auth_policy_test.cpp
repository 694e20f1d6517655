#include "proto/common/auth_policy.hpp"

#include <gtest/gtest.h>

namespace mailroom::proto {
namespace {

TEST(auth_policy, plaintext_needs_tls_or_the_listener_opt_out) {
    EXPECT_FALSE(plaintext_allowed(false, false));
    EXPECT_TRUE(plaintext_allowed(true, false));
    EXPECT_TRUE(plaintext_allowed(false, true));
    EXPECT_TRUE(plaintext_allowed(true, true));
}

TEST(auth_policy, plaintext_mechanisms) {
    EXPECT_TRUE(is_plaintext_mechanism("PLAIN"));
    EXPECT_TRUE(is_plaintext_mechanism("LOGIN"));
    EXPECT_FALSE(is_plaintext_mechanism("CRAM-MD5"));
    EXPECT_FALSE(is_plaintext_mechanism("SCRAM-SHA-256"));
    EXPECT_FALSE(is_plaintext_mechanism("plain"));  // configured names are upper case
}

TEST(auth_policy, offered_keeps_configured_order_and_hides_plaintext_in_cleartext) {
    const std::vector<std::string> configured{"SCRAM-SHA-256", "PLAIN", "CRAM-MD5", "LOGIN"};
    EXPECT_EQ(offered_mechanisms(configured, true), configured);
    EXPECT_EQ(offered_mechanisms(configured, false), (std::vector<std::string>{"SCRAM-SHA-256", "CRAM-MD5"}));
    EXPECT_TRUE(offered_mechanisms({}, true).empty());
}

TEST(auth_policy, is_configured_is_exact) {
    const std::vector<std::string> configured{"PLAIN", "SCRAM-SHA-1"};
    EXPECT_TRUE(is_configured(configured, "PLAIN"));
    EXPECT_FALSE(is_configured(configured, "SCRAM-SHA-256"));
    EXPECT_FALSE(is_configured(configured, "SCRAM-SHA"));
}

}  // namespace
}  // namespace mailroom::proto
