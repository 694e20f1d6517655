// Modified UTF-7 (RFC 3501 §5.1.3): both directions, the RFC's own example,
// and every kind of input the strict decoder must refuse.
#include "common/mutf7.hpp"

#include <gtest/gtest.h>

namespace mailroom {
namespace {

using namespace std::string_literals;

struct pair_case {
    std::string utf8, mutf7;
};

const pair_case pairs[] = {
    {"INBOX", "INBOX"},
    {"", ""},
    {"Entwürfe", "Entw&APw-rfe"},
    {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},  // RFC 3501 §5.1.3
    {"&", "&-"},
    {"A&B&", "A&-B&-"},
    {"ä", "&AOQ-"},
    {"äö", "&AOQA9g-"},
    {"ä.ö", "&AOQ-.&APY-"},
    {"😀", "&2D3eAA-"},  // a surrogate pair
    {"€ x", "&IKw- x"},
    {"a\x01"
     "b",
     "a&AAE-b"},  // control characters are shifted too
    {"\x7f", "&AH8-"},
};

TEST(mutf7, EncodesAndDecodes) {
    for (const auto& c : pairs) {
        EXPECT_EQ(utf8_to_mutf7(c.utf8), c.mutf7) << c.utf8;
        EXPECT_EQ(mutf7_to_utf8(c.mutf7), c.utf8) << c.mutf7;
    }
}

TEST(mutf7, RefusesMalformedUtf8) {
    for (const auto& bad : {"\xc3"s, "\xc3("s, "\xc0\xaf"s /* overlong '/' */, "\xed\xa0\x80"s /* surrogate */,
                            "\xf4\x90\x80\x80"s /* above U+10FFFF */, "\xff"s, "\x80"s})
        EXPECT_FALSE(utf8_to_mutf7(bad)) << bad;
    EXPECT_EQ(utf8_to_mutf7("a\0b"s), "a&AAA-b");  // NUL is a character like another
}

TEST(mutf7, RefusesWhatNoEncoderWrites) {
    for (const auto& bad : {
             "&"s,              // a run never started
             "&AOQ"s,           // a run never ended
             "&-&"s,            //
             "&AOQ=-"s,         // padding
             "&AOQ-&APY-"s,     // two runs side by side: one run "&AOQA9g-"
             "&AGE-"s,          // 'a' must stand for itself
             "&ACY-"s,          // '&' must be "&-"
             "&AOR-"s,          // leftover bits not zero
             "&AOQA-"s,         // leftover bits: six or more
             "&2D0-"s,          // a high surrogate alone
             "&3gA-"s,          // a low surrogate alone
             "&2D3YPQ-"s,       // high followed by high
             "&AOQ/-"s,         // '/' is not in the alphabet
             "Entwürfe"s,       // 8-bit
             "a\tb"s,           // a control character unshifted
             "&--"s + "\x80"s,  //
         })
        EXPECT_FALSE(mutf7_to_utf8(bad)) << bad;
}

TEST(mutf7, EveryBmpCharacterRoundTrips) {
    for (char32_t c = 1; c < 0x10000; ++c) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        std::string s;
        if (c < 0x80) s += static_cast<char>(c);
        else if (c < 0x800) s += {static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
        else
            s += {static_cast<char>(0xe0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3f)),
                  static_cast<char>(0x80 | (c & 0x3f))};
        auto e = utf8_to_mutf7("x" + s + s + "y");
        ASSERT_TRUE(e);
        ASSERT_EQ(mutf7_to_utf8(*e), "x" + s + s + "y") << static_cast<unsigned>(c);
    }
}

}  // namespace
}  // namespace mailroom
