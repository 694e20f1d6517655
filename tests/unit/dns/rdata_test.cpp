#include "dns/rdata.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// "10 mx1.example.test."
const std::string mx_wire(
    "\x00\x0a\x03mx1\x07"
    "example\x04test\x00",
    20);

TEST(MxRdata, ParsesPreferenceAndExchange) {
    auto r = parse_mx_rdata(bytes(mx_wire));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->preference, 10);
    EXPECT_EQ(r->exchange, "mx1.example.test");
}

TEST(MxRdata, PreferenceIsBigEndianSixteenBits) {
    auto r = parse_mx_rdata(
        bytes(std::string("\xff\xfe\x01"
                          "a\x00",
                          5)));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->preference, 65534);
    EXPECT_EQ(r->exchange, "a");
}

TEST(MxRdata, NullMxIsTheRoot) {
    auto r = parse_mx_rdata(bytes(std::string("\x00\x00\x00", 3)));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->preference, 0);
    EXPECT_EQ(r->exchange, "");
}

TEST(MxRdata, EveryTruncationFails) {
    for (std::size_t n = 0; n < mx_wire.size(); ++n) {
        auto r = parse_mx_rdata(bytes(mx_wire.substr(0, n)));
        ASSERT_FALSE(r) << "length " << n;
        EXPECT_EQ(r.error(), errc::malformed_answer) << "length " << n;
    }
}

TEST(MxRdata, TrailingBytesFail) {
    auto r = parse_mx_rdata(bytes(mx_wire + "x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::malformed_answer);
}

TEST(MxRdata, MalformedNames) {
    struct bad {
        std::string wire;
        errc why;
    };
    const std::vector<bad> cases = {
        {std::string("\x00\x0a\xc0\x0c", 4), errc::malformed_answer},  // compressed
        {std::string("\x00\x0a\x02"
                     "a",
                     4),
         errc::malformed_answer},  // label short
        {std::string("\x00\x0a\x03"
                     "a b\x00",
                     7),
         errc::invalid_name},  // space
        {std::string("\x00\x0a\x03"
                     "a\x00z\x00",
                     7),
         errc::invalid_name},                                       // NUL inside
        {std::string("\x00\x0a\x01*\x00", 5), errc::invalid_name},  // wildcard
    };
    for (const auto& c : cases) {
        auto r = parse_mx_rdata(bytes(c.wire));
        ASSERT_FALSE(r) << testing::PrintToString(c.wire);
        EXPECT_EQ(r.error(), c.why) << testing::PrintToString(c.wire);
    }
}

TEST(AddressRdata, ExactLengths) {
    auto a = parse_a_rdata(bytes(std::string("\xc0\x00\x02\x01", 4)));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->to_string(), "192.0.2.1");
    std::string six(16, '\0');
    six[0] = '\x20';
    six[1] = '\x01';
    six[2] = '\x0d';
    six[3] = '\xb8';
    six[15] = '\x01';
    auto aaaa = parse_aaaa_rdata(bytes(six));
    ASSERT_TRUE(aaaa);
    EXPECT_EQ(aaaa->to_string(), "2001:db8::1");

    for (std::size_t n : {0u, 3u, 5u, 16u}) EXPECT_FALSE(parse_a_rdata(bytes(std::string(n, '\1')))) << n;
    for (std::size_t n : {0u, 4u, 15u, 17u}) EXPECT_FALSE(parse_aaaa_rdata(bytes(std::string(n, '\1')))) << n;
}

}  // namespace
}  // namespace mailroom::dns
