#include "proto/smtp/data_decoder.hpp"

#include <gtest/gtest.h>

namespace mailroom::smtp {
namespace {

using namespace std::string_literals;

struct decoded {
    bool done;
    std::size_t used;
    data_decoder::problem verdict;
    std::string message;
};

// Feeds the input whole, or split at every offset: the outcome must match.
decoded decode(const std::string& in, std::size_t split = 0, std::uint64_t max = 1 << 20, std::size_t line = 1000) {
    data_decoder d(max, line);
    std::size_t used = 0;
    if (split == 0) {
        used = d.feed(in);
    } else {
        used = d.feed(std::string_view(in).substr(0, split));
        if (!d.done()) used += d.feed(std::string_view(in).substr(split));
    }
    return {d.done(), used, d.verdict(), d.take_output()};
}

void expect_same_at_every_split(const std::string& in) {
    const auto whole = decode(in);
    for (std::size_t k = 1; k < in.size(); ++k) {
        auto part = decode(in, k);
        EXPECT_EQ(part.done, whole.done) << k;
        EXPECT_EQ(part.used, whole.used) << k;
        EXPECT_EQ(part.verdict, whole.verdict) << k;
        EXPECT_EQ(part.message, whole.message) << k;
    }
}

TEST(smtp_data_decoder, ends_only_at_crlf_dot_crlf) {
    auto r = decode("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.used, 23u);  // QUIT is left for the command parser
    EXPECT_EQ(r.verdict, data_decoder::problem::none);
    EXPECT_EQ(r.message, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(decode(".\r\n").message, "");  // empty message
    EXPECT_TRUE(decode(".\r\n").done);
}

TEST(smtp_data_decoder, dots_are_unstuffed) {
    auto r = decode("..leading\r\n...\r\n.x\r\na.b\r\n.\r\n");
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.message, ".leading\r\n..\r\nx\r\na.b\r\n");
}

// The smuggling sequences (SEC Consult, 2023): none may end the data.
TEST(smtp_data_decoder, bare_line_ends_never_end_the_data) {
    for (const std::string smuggle : {"\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r\n.\r", "\n.\r", "\r.\n", "\r.\r\n"}) {
        const std::string in = "a" + smuggle + "MAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n";
        auto r = decode(in);
        EXPECT_FALSE(r.done) << "ended early on " << testing::PrintToString(smuggle);
        EXPECT_EQ(r.used, in.size());
        EXPECT_EQ(r.verdict, data_decoder::problem::bare_line_end) << testing::PrintToString(smuggle);
        auto ended = decode(in + "\r\n.\r\n");
        EXPECT_TRUE(ended.done);
        EXPECT_EQ(ended.verdict, data_decoder::problem::bare_line_end);
        expect_same_at_every_split(in + "\r\n.\r\n");
    }
}

TEST(smtp_data_decoder, limits) {
    auto big = decode("0123456789\r\n0123456789\r\n.\r\n", 0, 20);
    EXPECT_TRUE(big.done);
    EXPECT_EQ(big.verdict, data_decoder::problem::too_big);
    EXPECT_EQ(big.message, "");
    auto exact = decode("0123456789\r\n.\r\n", 0, 12);
    EXPECT_EQ(exact.verdict, data_decoder::problem::none);
    auto line_ok = decode(std::string(998, 'x') + "\r\n.\r\n");
    EXPECT_EQ(line_ok.verdict, data_decoder::problem::none);
    auto line_long = decode(std::string(999, 'x') + "\r\n.\r\n");
    EXPECT_EQ(line_long.verdict, data_decoder::problem::line_too_long);
    EXPECT_TRUE(line_long.done);
    auto stuffed_ok = decode("." + std::string(998, 'x') + "\r\n.\r\n");  // the stuffing dot does not count
    EXPECT_EQ(stuffed_ok.verdict, data_decoder::problem::line_too_long);
}

TEST(smtp_data_decoder, every_split_gives_the_same_result) {
    // A NUL and an 8-bit byte inside the body: neither ends the message nor is lost.
    const auto odd = "Subject: t\r\n\r\n..a\r\n.\rb\r\n\xff\0x\r\n.\r\nNOOP\r\n"s;
    ASSERT_EQ(odd.size(), 38u);
    const auto whole = decode(odd);
    EXPECT_TRUE(whole.done);
    EXPECT_EQ(whole.used, odd.size() - "NOOP\r\n"s.size());
    EXPECT_NE(whole.message.find("\xff\0x\r\n"s), std::string::npos);
    expect_same_at_every_split(odd);
    expect_same_at_every_split(".\r\n");
    expect_same_at_every_split("a\r\n..\r\n.\r\n");
}

// The text taken out as it comes, after every piece, is the message; the
// decoder never holds more than one piece of it (and a CR it held back).
TEST(smtp_data_decoder, output_taken_as_it_comes_is_the_message) {
    std::string in;
    for (int i = 0; i < 300; ++i)
        in += (i % 7 == 0 ? ".." : "") + std::string(static_cast<std::size_t>(i % 97), 'a') + "\r\n";
    in += ".\r\n";
    const auto whole = decode(in);
    ASSERT_TRUE(whole.done);
    for (std::size_t piece : {1u, 2u, 7u, 100u, 4096u}) {
        data_decoder d(1 << 20, 1000);
        std::string got;
        for (std::size_t at = 0; at < in.size() && !d.done(); at += piece) {
            d.feed(std::string_view(in).substr(at, piece));
            EXPECT_LE(d.output_bytes(), piece + 1) << piece;  // + a CR held back from the last piece
            got += d.take_output();
        }
        EXPECT_EQ(got, whole.message) << piece;
    }
}

// A line over both limits at once: the first problem is the one an octet
// by octet reading meets first, whole or split.
TEST(smtp_data_decoder, first_problem_is_the_octet_by_octet_one) {
    for (std::uint64_t max : {4u, 9u, 10u, 11u, 30u}) {
        for (std::size_t line : {8u, 12u, 13u, 1000u}) {
            const std::string in = "ab\r\n" + std::string(15, 'x') + "\r\n.\r\n";
            data_decoder bytewise(max, line);
            for (char c : in) bytewise.feed(std::string_view(&c, 1));
            EXPECT_EQ(decode(in, 0, max, line).verdict, bytewise.verdict()) << max << " " << line;
            for (std::size_t k = 1; k < in.size(); ++k)
                EXPECT_EQ(decode(in, k, max, line).verdict, bytewise.verdict()) << max << " " << line << " " << k;
        }
    }
}

}  // namespace
}  // namespace mailroom::smtp
