#include "proto/smtp/client/ehlo_capabilities.hpp"

#include <gtest/gtest.h>

namespace mailroom::smtp::client {
namespace {

reply ehlo(std::vector<std::string> lines) {
    reply r;
    r.code = 250;
    r.lines = std::move(lines);
    return r;
}

TEST(smtp_client_ehlo, every_keyword_any_case) {
    auto c = parse_ehlo(
        ehlo({"mx.example greets you", "pipelining", "Size 35882577", "8BITMIME", "smtputf8", "STARTTLS", "DSN",
              "CHUNKING", "EnhancedStatusCodes", "AUTH plain LOGIN cram-md5", "X-UNKNOWN foo"}));
    EXPECT_TRUE(c.pipelining);
    EXPECT_TRUE(c.size);
    EXPECT_EQ(c.size_limit, 35882577u);
    EXPECT_TRUE(c.eight_bit_mime);
    EXPECT_TRUE(c.smtputf8);
    EXPECT_TRUE(c.starttls);
    EXPECT_TRUE(c.dsn);
    EXPECT_TRUE(c.chunking);
    EXPECT_TRUE(c.enhanced_status_codes);
    EXPECT_EQ(c.auth, (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"}));
    EXPECT_TRUE(c.offers_auth("LOGIN"));
    EXPECT_FALSE(c.offers_auth("login"));  // callers ask in upper case
}

TEST(smtp_client_ehlo, first_line_is_the_greeting_not_a_keyword) {
    auto c = parse_ehlo(ehlo({"PIPELINING"}));
    EXPECT_FALSE(c.pipelining);
}

TEST(smtp_client_ehlo, nothing_offered) {
    auto c = parse_ehlo(ehlo({"mx"}));
    EXPECT_FALSE(c.pipelining || c.size || c.eight_bit_mime || c.smtputf8 || c.starttls || c.dsn || c.chunking ||
                 c.enhanced_status_codes);
    EXPECT_TRUE(c.auth.empty());
}

TEST(smtp_client_ehlo, size_forms) {
    EXPECT_EQ(parse_ehlo(ehlo({"mx", "SIZE"})).size_limit, 0u);
    EXPECT_TRUE(parse_ehlo(ehlo({"mx", "SIZE"})).size);
    EXPECT_EQ(parse_ehlo(ehlo({"mx", "SIZE 0"})).size_limit, 0u);
    EXPECT_EQ(parse_ehlo(ehlo({"mx", "SIZE 12x"})).size_limit, 0u);
    EXPECT_EQ(parse_ehlo(ehlo({"mx", "SIZE 99999999999999999999"})).size_limit, 0u);
    EXPECT_EQ(parse_ehlo(ehlo({"mx", "SIZE  1000"})).size_limit, 1000u);
}

TEST(smtp_client_ehlo, old_auth_form_and_duplicates) {
    auto c = parse_ehlo(ehlo({"mx", "AUTH=LOGIN PLAIN", "AUTH LOGIN PLAIN", "AUTH="}));
    EXPECT_EQ(c.auth, (std::vector<std::string>{"LOGIN", "PLAIN"}));
}

TEST(smtp_client_ehlo, blank_and_odd_lines_are_ignored) {
    auto c = parse_ehlo(ehlo({"mx", "", "   ", "\tPIPELINING", "8BITMIMEX", "STARTTLS now"}));
    EXPECT_TRUE(c.pipelining);
    EXPECT_FALSE(c.eight_bit_mime);
    EXPECT_TRUE(c.starttls);
}

}  // namespace
}  // namespace mailroom::smtp::client
