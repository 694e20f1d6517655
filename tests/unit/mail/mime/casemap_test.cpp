#include "mail/mime/casemap.hpp"

#include <gtest/gtest.h>

namespace mailroom::mime {
namespace {

using namespace std::string_literals;

TEST(mime_casemap, rfc5051_keys) {
    EXPECT_EQ(casemap_key("hello"), "HELLO");  // titlecase of a letter alone is its capital
    EXPECT_EQ(casemap_key("HeLLo"), casemap_key("hello"));
    // U+00E9 e-acute decomposes: E + U+0301 combining acute (RFC 5051 §2 step 2).
    EXPECT_EQ(casemap_key("\xC3\xA9"), "E\xCC\x81");
    EXPECT_EQ(casemap_key("\xC3\xA9"), casemap_key("E\xCC\x81"));
    // U+01C6 "dz with caron" titlecases to U+01C5, then decomposes to D + z-caron (z + U+030C).
    EXPECT_EQ(casemap_key("\xC7\x86"), "Dz\xCC\x8C");
    // Compatibility decomposition (NFKD): U+FB01 "fi" ligature is "fi"... titlecased first: U+FB01 has no
    // titlecase mapping, so the key is the decomposition "fi".
    EXPECT_EQ(casemap_key("\xEF\xAC\x81"), "fi");
    EXPECT_EQ(casemap_key(""), "");
}

TEST(mime_casemap, contains) {
    EXPECT_TRUE(casemap_contains("Caf\xC3\xA9 au lait", "CAF\xC3\x89"));  // É vs é
    EXPECT_TRUE(casemap_contains("Caf\xC3\xA9 au lait", "AU"));
    EXPECT_TRUE(casemap_contains("anything", ""));
    EXPECT_FALSE(casemap_contains("Cafe", "caf\xC3\xA9"));  // e vs é differ
    EXPECT_FALSE(casemap_contains("short", "longer than short"));
    EXPECT_TRUE(casemap_contains_key("Hello World", casemap_key("o w")));
}

TEST(mime_casemap, invalid_utf8_and_nul_are_repaired_not_fatal) {
    EXPECT_TRUE(
        casemap_contains("ab\xff"
                         "cd",
                         "CD"));
    EXPECT_TRUE(casemap_contains("ab\0cd"s, "CD"));
    EXPECT_FALSE(casemap_key("\xff\xfe").empty());
}

}  // namespace
}  // namespace mailroom::mime
