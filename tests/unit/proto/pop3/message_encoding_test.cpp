#include "proto/pop3/message_encoding.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mailroom::pop3 {
namespace {

std::string encode(std::string_view raw, std::optional<std::uint64_t> lines = std::nullopt) {
    std::string out;
    append_multiline_message(out, raw, lines);
    return out;
}

// The client side of RFC 1939 §3: strip the terminator and one leading dot.
std::string decode(std::string_view wire) {
    std::string out;
    EXPECT_TRUE(wire.size() >= 3 && wire.substr(wire.size() - 3) == ".\r\n");
    wire.remove_suffix(3);
    while (!wire.empty()) {
        auto crlf = wire.find("\r\n");
        EXPECT_NE(crlf, std::string_view::npos);
        auto line = wire.substr(0, crlf);
        EXPECT_NE(line, ".");  // a lone dot would end the response early
        if (!line.empty() && line[0] == '.') line.remove_prefix(1);
        out.append(line);
        out += "\r\n";
        wire.remove_prefix(crlf + 2);
    }
    return out;
}

TEST(Pop3MessageEncoding, LineEndsBecomeCrlf) {
    EXPECT_EQ(encode("a\nb\n"), "a\r\nb\r\n.\r\n");
    EXPECT_EQ(encode("a\r\nb\r\n"), "a\r\nb\r\n.\r\n");
    EXPECT_EQ(encode("a\r\nb\n"), "a\r\nb\r\n.\r\n");
    EXPECT_EQ(encode("no final newline"), "no final newline\r\n.\r\n");
    EXPECT_EQ(encode(""), ".\r\n");
}

TEST(Pop3MessageEncoding, DotStuffing) {
    EXPECT_EQ(encode(".\n"), "..\r\n.\r\n");
    EXPECT_EQ(encode("..\n.x\nx.\n"), "...\r\n..x\r\nx.\r\n.\r\n");
    EXPECT_EQ(encode("a\n.\nb\n"), "a\r\n..\r\nb\r\n.\r\n");
}

TEST(Pop3MessageEncoding, BareCrAndEightBitUntouched) {
    EXPECT_EQ(encode("a\rb\n\xff\xfe\x80\n"), "a\rb\r\n\xff\xfe\x80\r\n.\r\n");
    EXPECT_EQ(encode(std::string("nul\0byte\n", 9)), std::string("nul\0byte\r\n.\r\n", 13));
}

TEST(Pop3MessageEncoding, Top) {
    const std::string m = "H1: a\nH2: b\n\nl1\nl2\n.l3\n";
    EXPECT_EQ(encode(m, 0), "H1: a\r\nH2: b\r\n\r\n.\r\n");
    EXPECT_EQ(encode(m, 1), "H1: a\r\nH2: b\r\n\r\nl1\r\n.\r\n");
    EXPECT_EQ(encode(m, 3), "H1: a\r\nH2: b\r\n\r\nl1\r\nl2\r\n..l3\r\n.\r\n");
    EXPECT_EQ(encode(m, 100), encode(m));
    EXPECT_EQ(encode("H: only\n", 0), "H: only\r\n.\r\n");
}

TEST(Pop3MessageEncoding, MultiMegabyteRandomContentRoundTrips) {
    std::mt19937 gen(7);
    std::string raw;
    raw.reserve(3 << 20);
    // Lines of random bytes (no LF inside), many starting with dots.
    while (raw.size() < (3u << 20)) {
        auto len = gen() % 200;
        if (gen() % 4 == 0) raw += '.';
        for (unsigned i = 0; i < len; ++i) {
            char c = static_cast<char>(gen() % 256);
            raw += (c == '\n' || c == '\r') ? 'x' : c;
        }
        raw += '\n';
    }
    std::string expected;
    for (char c : raw) {
        if (c == '\n') expected += '\r';
        expected += c;
    }
    EXPECT_EQ(decode(encode(raw)), expected);
}

}  // namespace
}  // namespace mailroom::pop3
