#include "common/byte_size.hpp"

#include <gtest/gtest.h>

namespace mailroom {
namespace {

TEST(byte_size, ParsesUnitsOf1024) {
    EXPECT_EQ(parse_byte_size("0"), 0u);
    EXPECT_EQ(parse_byte_size("1000"), 1000u);
    EXPECT_EQ(parse_byte_size("512K"), 512u * 1024);
    EXPECT_EQ(parse_byte_size("10m"), 10u << 20);
    EXPECT_EQ(parse_byte_size("2G"), 2ull << 30);
    EXPECT_EQ(parse_byte_size("1T"), 1ull << 40);
    EXPECT_EQ(parse_byte_size("100B"), 100u);
}

TEST(byte_size, RefusesTheRest) {
    for (const char* bad : {"", "M", "-1", "1.5G", "10 M", "1X", "ten", "99999999999999999999", "9000000T"})
        EXPECT_FALSE(parse_byte_size(bad)) << bad;
}

TEST(byte_size, FormatsTheLargestExactUnit) {
    EXPECT_EQ(format_byte_size(0), "0");
    EXPECT_EQ(format_byte_size(1000), "1000");
    EXPECT_EQ(format_byte_size(10u << 20), "10M");
    EXPECT_EQ(format_byte_size(1536), "1536");
    EXPECT_EQ(format_byte_size(3072), "3K");
    EXPECT_EQ(format_byte_size(2ull << 30), "2G");
}

}  // namespace
}  // namespace mailroom
