#include "proto/imap/sequence_set.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::imap {
namespace {

constexpr auto star = sequence_range::star;

TEST(ImapSequenceSet, ValidSets) {
    struct valid_case {
        std::string text;
        std::vector<sequence_range> ranges;
    };
    const std::vector<valid_case> cases{
        {"1", {{1, 1}}},       {"4294967295", {{4294967295u, 4294967295u}}},
        {"1:5", {{1, 5}}},     {"5:1", {{5, 1}}},
        {"*", {{star, star}}}, {"3:*", {{3, star}}},
        {"*:3", {{star, 3}}},  {"1,3:4,7:*", {{1, 1}, {3, 4}, {7, star}}},
    };
    for (const auto& c : cases) {
        const auto set = parse_sequence_set(c.text, 100);
        ASSERT_TRUE(set) << c.text;
        EXPECT_FALSE(set->saved);
        EXPECT_EQ(set->ranges, c.ranges) << c.text;
    }
    const auto saved = parse_sequence_set("$", 100);
    ASSERT_TRUE(saved);
    EXPECT_TRUE(saved->saved);
    EXPECT_TRUE(saved->ranges.empty());
}

TEST(ImapSequenceSet, InvalidSets) {
    for (const std::string text :
         {"",  "0",  "0:5", "4294967296", "1:",  ":1",  "1,",  ",1", "1,,2", "1:2:3",
          "a", "-1", "+1",  "1 ",         "$,1", "1,$", "$:1", "**", "1:**", "99999999999999999999999"})
        EXPECT_FALSE(parse_sequence_set(text, 100)) << text;
    EXPECT_TRUE(parse_sequence_set("1,2,3", 3));
    EXPECT_FALSE(parse_sequence_set("1,2,3,4", 3));  // max_ranges
}

TEST(ImapSequenceSet, Contains) {
    const auto set = *parse_sequence_set("2,9:7,20:*", 10);
    EXPECT_FALSE(set.contains(1, 30));
    EXPECT_TRUE(set.contains(2, 30));
    EXPECT_TRUE(set.contains(7, 30));
    EXPECT_TRUE(set.contains(8, 30));
    EXPECT_TRUE(set.contains(9, 30));
    EXPECT_FALSE(set.contains(10, 30));
    EXPECT_TRUE(set.contains(25, 30));
    EXPECT_TRUE(set.contains(30, 30));
    EXPECT_FALSE(set.contains(31, 30));
    // "20:*" with largest 15 is 15:20 (RFC 9051 §9: ranges in either order).
    EXPECT_TRUE(set.contains(15, 15));
    EXPECT_FALSE(set.contains(14, 15));
    EXPECT_FALSE(set.contains(1, 0));  // empty mailbox: nothing
    EXPECT_EQ((sequence_range{star, 4}).low(10), 4u);
    EXPECT_EQ((sequence_range{star, 4}).high(10), 10u);
}

TEST(ImapSequenceSet, Numbers) {
    EXPECT_EQ(parse_number("0", 10), 0u);
    EXPECT_EQ(parse_number("10", 10), 10u);
    EXPECT_FALSE(parse_number("11", 10));
    EXPECT_EQ(parse_number("18446744073709551615", UINT64_MAX), UINT64_MAX);
    EXPECT_FALSE(parse_number("18446744073709551616", UINT64_MAX));
    EXPECT_FALSE(parse_number("", 10));
    EXPECT_FALSE(parse_number("1a", 10));
    EXPECT_FALSE(parse_nz_number("0"));
    EXPECT_EQ(parse_nz_number("00042"), 42u);
}

}  // namespace
}  // namespace mailroom::imap
