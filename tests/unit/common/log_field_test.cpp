// log_field: peer-supplied values in log lines and `mailroom queue` output.
#include "common/log_field.hpp"

#include <gtest/gtest.h>

namespace mailroom {
namespace {

using namespace std::string_literals;

TEST(common_log_field, PlainValuesAreUnchanged) {
    EXPECT_EQ(log_field("alice@example.test"), "alice@example.test");
    EXPECT_EQ(log_field("mx.b.test[127.0.0.2]:25"), "mx.b.test[127.0.0.2]:25");
    EXPECT_EQ(log_field("a=b<c>(d)"), "a=b<c>(d)");
}

TEST(common_log_field, SpacesAndQuotesAreQuotedSoNoFieldCanBeForged) {
    EXPECT_EQ(log_field("\"a x=1\"@example.test"), R"("\"a x=1\"@example.test")");
    EXPECT_EQ(log_field("250 2.0.0 Ok"), R"("250 2.0.0 Ok")");
    EXPECT_EQ(log_field("back\\slash"), R"("back\\slash")");
    EXPECT_EQ(log_field(""), R"("")");
}

TEST(common_log_field, ControlAndEightBitBytesAreEscaped) {
    // An ESC sequence that would clear an administrator's screen, a new
    // line that would start a forged log line, a NUL, DEL and UTF-8.
    EXPECT_EQ(log_field("evil\x1b[2J"), R"("evil\x1b[2J")");
    EXPECT_EQ(log_field("x\r\n2026-01-01 forged"), R"("x\x0d\x0a2026-01-01 forged")");
    EXPECT_EQ(log_field("a\0b"s), R"("a\x00b")");
    EXPECT_EQ(log_field("\x7f"), R"("\x7f")");
    EXPECT_EQ(log_field("j\xc3\xb6rg"), R"("j\xc3\xb6rg")");
    EXPECT_EQ(log_field("tab\there"), R"("tab\x09here")");
}

TEST(common_log_field, LongValuesAreCutAndMarked) {
    EXPECT_EQ(log_field(std::string(300, 'a')), "\"" + std::string(256, 'a') + "...\"");
    EXPECT_EQ(log_field("abcdef", 3), R"("abc...")");
    EXPECT_EQ(log_field("abc", 3), "abc");
    // The output stays bounded whatever the input: at most 4 bytes per byte kept.
    EXPECT_LE(log_field(std::string(100000, '\x01')).size(), 4u * 256 + 5);
}

TEST(common_log_field, OutputIsAlwaysPrintableAscii) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    const auto out = log_field(all, all.size());
    for (const char c : out) {
        EXPECT_GE(static_cast<unsigned char>(c), 0x20);
        EXPECT_LT(static_cast<unsigned char>(c), 0x7f);
    }
}

}  // namespace
}  // namespace mailroom
