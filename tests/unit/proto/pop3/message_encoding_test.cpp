#include "proto/pop3/message_encoding.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

// The encoder fed in pieces gives what it gives for the whole message.
std::string encode_in_pieces(std::string_view raw, std::vector<std::size_t> cuts,
                             std::optional<std::uint64_t> lines = std::nullopt) {
    message_encoder enc(lines);
    std::string out;
    std::size_t from = 0;
    cuts.push_back(raw.size());
    for (auto cut : cuts) {
        enc.append(out, raw.substr(from, cut - from));
        from = cut;
    }
    enc.finish(out);
    return out;
}

const std::vector<std::string> tricky{"a\r\nb\r\n",
                                      "a\rb\r\r\n.\r\n",
                                      "\r",
                                      "\r\n",
                                      ".",
                                      "..\n.\r\n\r\n.x",
                                      "H: a\r\n\r\n.b\rc\n\r\nd\r",
                                      "no end\r\r",
                                      "\n\n\n",
                                      ".\n.\n.\n",
                                      std::string("x\0.\n", 4)};

TEST(Pop3MessageEncoding, EverySplitGivesTheWholeResult) {
    for (const auto& m : tricky)
        for (std::optional<std::uint64_t> lines :
             {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{0}, std::optional<std::uint64_t>{1}}) {
            const auto whole = encode(m, lines);
            for (std::size_t i = 0; i <= m.size(); ++i)
                for (std::size_t j = i; j <= m.size(); ++j)
                    EXPECT_EQ(encode_in_pieces(m, {i, j}, lines), whole)
                        << testing::PrintToString(m) << " " << i << "," << j;
            std::vector<std::size_t> bytes;
            for (std::size_t i = 1; i < m.size(); ++i) bytes.push_back(i);
            EXPECT_EQ(encode_in_pieces(m, bytes, lines), whole) << testing::PrintToString(m) << " per byte";
        }
}

TEST(Pop3MessageEncoding, CrAtARangeEndIsDecidedByTheNextByte) {
    EXPECT_EQ(encode_in_pieces("a\r\nb", {2}), "a\r\nb\r\n.\r\n");  // CRLF split: one line end
    EXPECT_EQ(encode_in_pieces("a\rb\n", {2}), "a\rb\r\n.\r\n");    // bare CR: content
    EXPECT_EQ(encode_in_pieces("a\r", {2}), "a\r\r\n.\r\n");        // CR at the very end: content
}

TEST(Pop3MessageEncoding, TopIsDoneAfterItsLinesAndIgnoresTheRest) {
    message_encoder enc(1);
    std::string out;
    enc.append(out, "H: x\n\nl1\n");
    EXPECT_FALSE(enc.done());  // done only once a byte of the next line shows it is not wanted
    enc.append(out, "l2\nl3\n");
    EXPECT_TRUE(enc.done());
    enc.append(out, "more\n");
    enc.finish(out);
    EXPECT_EQ(out, "H: x\r\n\r\nl1\r\n.\r\n");
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
