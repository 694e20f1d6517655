#include "dns/host_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(HostName, ValidNames) {
    for (const char* name :
         {"example.test", "mx1.example.test.", "a", "xn--bcher-kva.example", "A-B.c0.d", "123.example.test"})
        EXPECT_TRUE(is_valid_host_name(name)) << name;
}

TEST(HostName, InvalidNames) {
    const std::string long_label(64, 'a');
    std::string long_name;
    while (long_name.size() <= max_text_name_bytes) long_name += "abcdefghi.";
    for (const std::string& name :
         {std::string(""), std::string("."), std::string("a..b"), std::string(".a"), std::string("-a.test"),
          std::string("a-.test"), std::string("a_b.test"), std::string("a b.test"), std::string("[192.0.2.1]"),
          std::string("a.test.."), long_label + ".test", long_name, std::string("a\0b", 3)})
        EXPECT_FALSE(is_valid_host_name(name)) << name;
}

TEST(HostName, LooksLikeIpAddress) {
    EXPECT_TRUE(looks_like_ip_address("192.0.2.1"));
    EXPECT_TRUE(looks_like_ip_address("192.0.2.1."));
    EXPECT_TRUE(looks_like_ip_address("2001:db8::1"));
    EXPECT_TRUE(looks_like_ip_address("example.123"));
    EXPECT_FALSE(looks_like_ip_address("192.0.2.example"));
    EXPECT_FALSE(looks_like_ip_address("mx1.example.test"));
}

TEST(HostName, CanonicalForm) {
    EXPECT_EQ(canonical_host_name("MX1.Example.TEST."), "mx1.example.test");
    EXPECT_EQ(canonical_host_name("a"), "a");
}

TEST(WireName, ParsesLabelsAndRoot) {
    auto in = bytes(
        std::string("\x03Mx1\x07"
                    "example\x04test\x00",
                    18));
    auto name = parse_wire_name(in);
    ASSERT_TRUE(name) << name.error().message();
    EXPECT_EQ(name->text, "mx1.example.test");
    EXPECT_EQ(name->consumed, 18u);

    auto root = parse_wire_name(bytes(std::string("\x00", 1)));
    ASSERT_TRUE(root);
    EXPECT_EQ(root->text, "");
    EXPECT_EQ(root->consumed, 1u);
}

TEST(WireName, StopsAtTheRootLabel) {
    auto name = parse_wire_name(
        bytes(std::string("\x01"
                          "a\x00trailing",
                          11)));
    ASSERT_TRUE(name);
    EXPECT_EQ(name->consumed, 3u);
}

TEST(WireName, RefusesBrokenStructure) {
    const std::vector<std::string> cases = {
        std::string(""),  // nothing
        std::string("\x03"
                    "abc",
                    4),  // no root label
        std::string("\x05"
                    "ab\x00",
                    4),              // label runs past the end
        std::string("\xC0\x0C", 2),  // compression pointer
        std::string("\x40"
                    "a\x00",
                    3),  // extended label type 01
        std::string("\x80"
                    "a\x00",
                    3),  // reserved label type 10
    };
    for (const auto& c : cases) {
        auto r = parse_wire_name(bytes(c));
        ASSERT_FALSE(r) << testing::PrintToString(c);
        EXPECT_EQ(r.error(), errc::malformed_answer);
    }
}

TEST(WireName, RefusesNamesOver255Octets) {
    std::string wire;
    for (int i = 0; i < 4; ++i) wire += std::string(1, '\x3f') + std::string(63, 'a');  // 256 octets
    wire += std::string(1, '\0');
    auto r = parse_wire_name(bytes(wire));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::malformed_answer);

    std::string ok;  // 3 * 64 + 62 + 1 = 255 octets: the maximum
    for (int i = 0; i < 3; ++i) ok += std::string(1, '\x3f') + std::string(63, 'a');
    ok += std::string(1, '\x3d') + std::string(61, 'b') + std::string(1, '\0');
    ASSERT_EQ(ok.size(), 255u);
    EXPECT_TRUE(parse_wire_name(bytes(ok)));
}

TEST(WireName, RefusesNonLdhLabels) {
    for (const auto& c : {std::string("\x03"
                                      "a.b\x00",
                                      5),
                          std::string("\x03"
                                      "a\x00"
                                      "b\x00",
                                      5),
                          std::string("\x02"
                                      "a_\x00",
                                      4),
                          std::string("\x01-\x00", 3)}) {
        auto r = parse_wire_name(bytes(c));
        ASSERT_FALSE(r) << testing::PrintToString(c);
        EXPECT_EQ(r.error(), errc::invalid_name);
    }
}

}  // namespace
}  // namespace mailroom::dns
