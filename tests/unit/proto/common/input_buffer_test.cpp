#include "proto/common/input_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::proto {
namespace {

using namespace std::string_literals;

// Feeds input in pieces of `step` bytes, draining lines after each piece as
// the engines do, and collects lines and markers.
std::vector<std::string> split(std::string_view input, std::size_t max, std::size_t step) {
    input_buffer in(max);
    std::vector<std::string> out;
    auto drain = [&] {
        for (;;) {
            auto r = in.next_line();
            if (r.what == input_buffer::status::need_more) return;
            out.push_back(r.what == input_buffer::status::line ? std::string(r.line) : "<too long>");
        }
    };
    for (std::size_t i = 0; i < input.size(); i += step) {
        in.append(input.substr(i, step));
        drain();
        EXPECT_LE(in.buffered(), max + step);
    }
    return out;
}

struct line_case {
    std::string input;
    std::size_t max;
    std::vector<std::string> expected;
};

TEST(input_buffer, splits_lines_at_every_offset) {
    const std::vector<line_case> cases = {
        {"USER a\r\nPASS b\r\n", 64, {"USER a", "PASS b"}},
        {"bare lf\nx\r\n", 64, {"bare lf", "x"}},
        {"no end yet", 64, {}},
        {"\r\n\r\n", 64, {"", ""}},
        {"cr\rinside\r\n", 64, {"cr\rinside"}},
        {"nul\0byte\r\n"s, 64, {"nul\0byte"s}},
        {"12345678\r\nok\r\n", 8, {"<too long>", "ok"}},
        {"123456\r\nok\n", 8, {"123456", "ok"}},  // exactly the limit, CRLF included
        {"1234567\nok\n", 8, {"1234567", "ok"}},
        {"12345678", 8, {"<too long>"}},  // reported once the limit is passed, before its LF
        {std::string(100, 'x') + "\r\nafter\r\n", 16, {"<too long>", "after"}},
        {"a\r\n" + std::string(100, 'x') + "\r\nb\r\n" + std::string(50, 'y') + "\nc\n",
         16,
         {"a", "<too long>", "b", "<too long>", "c"}},
    };
    for (const auto& c : cases)
        for (std::size_t step = 1; step <= c.input.size() + 1; ++step)
            EXPECT_EQ(split(c.input, c.max, step), c.expected) << c.input << " step " << step;
}

TEST(input_buffer, memory_stays_bounded_inside_a_long_line) {
    input_buffer in(32);
    for (int i = 0; i < 1000; ++i) {
        in.append(std::string(1000, 'z'));
        const auto r = in.next_line();
        EXPECT_EQ(r.what, i == 0 ? input_buffer::status::too_long : input_buffer::status::need_more);
        EXPECT_LE(in.buffered(), 32u);
    }
    in.append("zz\r\nnext\r\n");
    auto r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "next");
}

TEST(input_buffer, a_per_call_limit_overrides_the_default) {
    input_buffer in(8);  // commands short, SASL responses long (SMTP max_auth_line)
    in.append("0123456789abcdef\r\nshort\r\n");
    auto r = in.next_line(64);
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "0123456789abcdef");
    r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "short");
}

TEST(input_buffer, clear_drops_read_ahead) {
    input_buffer in(64);
    in.append("STLS\r\nUSER mallory\r\n");
    auto r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "STLS");
    in.clear();
    EXPECT_EQ(in.next_line().what, input_buffer::status::need_more);
    EXPECT_EQ(in.buffered(), 0u);
}

TEST(input_buffer, clear_ends_a_skipped_long_line) {
    input_buffer in(8);
    in.append("0123456789");
    EXPECT_EQ(in.next_line().what, input_buffer::status::too_long);
    in.clear();
    in.append("ok\r\n");
    auto r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "ok");
}

// Raw mode as BDAT and IMAP literals use it: a command line announces n
// octets, exactly n are taken whatever they contain (CRLF, NUL, a line
// longer than the limit), then line mode resumes, at every split.
TEST(input_buffer, raw_block_between_lines_at_every_offset) {
    const std::string block = "line\r\n.\r\n\0x"s + std::string(40, 'y') + "\n";
    const std::string input = "BDAT " + std::to_string(block.size()) + "\r\n" + block + "NOOP\r\n";
    for (std::size_t step = 1; step <= input.size() + 1; ++step) {
        input_buffer in(16);
        std::vector<std::string> lines;
        std::string got;
        std::uint64_t left = 0;
        bool in_block = false;
        for (std::size_t i = 0; i < input.size(); i += step) {
            in.append(std::string_view(input).substr(i, step));
            for (;;) {
                if (in_block) {
                    const auto part = in.take(left);
                    got += part;
                    left -= part.size();
                    if (left > 0) break;
                    in_block = false;
                    continue;
                }
                auto r = in.next_line();
                if (r.what == input_buffer::status::need_more) break;
                ASSERT_EQ(r.what, input_buffer::status::line) << "step " << step;
                lines.emplace_back(r.line);
                if (r.line.starts_with("BDAT ")) {
                    left = std::stoull(std::string(r.line.substr(5)));
                    in_block = true;
                }
            }
        }
        EXPECT_EQ(got, block) << "step " << step;
        EXPECT_EQ(lines, (std::vector<std::string>{"BDAT " + std::to_string(block.size()), "NOOP"})) << "step " << step;
    }
}

TEST(input_buffer, take_returns_only_what_has_arrived) {
    input_buffer in(16);
    in.append("abc");
    EXPECT_EQ(in.take(10), "abc");
    EXPECT_EQ(in.take(10), "");
    in.append("defgh");
    EXPECT_EQ(in.take(2), "de");
    EXPECT_EQ(in.raw(), "fgh");
    in.consume(1);
    EXPECT_EQ(in.raw(), "gh");
    in.consume(100);  // never past the end
    EXPECT_EQ(in.buffered(), 0u);
}

// A line sent a byte at a time, with next_line() asked after every byte (as
// an engine does after every read), is searched once: the bytes scanned grow
// with the line, not with its square (issue #10: 64 KiB used to cost 2 GiB).
std::uint64_t scanned_for_line_sent_bytewise(std::size_t length) {
    input_buffer in(length + 16);
    for (std::size_t i = 0; i < length; ++i) {
        in.append("x");
        EXPECT_EQ(in.next_line().what, input_buffer::status::need_more);
    }
    in.append("\r\n");
    const auto r = in.next_line();
    EXPECT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line.size(), length);
    return in.bytes_scanned();
}

TEST(input_buffer, long_line_sent_bytewise_is_scanned_once) {
    const std::size_t n = 64 * 1024;
    EXPECT_EQ(scanned_for_line_sent_bytewise(n), n + 2);
    EXPECT_EQ(scanned_for_line_sent_bytewise(2 * n), 2 * n + 2);
}

TEST(input_buffer, scan_position_survives_raw_reads_and_compaction) {
    input_buffer in(64);
    in.append("abc");
    EXPECT_EQ(in.next_line().what, input_buffer::status::need_more);
    EXPECT_EQ(in.take(2), "ab");  // raw octets taken past the scanned part
    in.append("d\nrest");
    auto r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "cd");
    in.consume(2);  // "re"; the next append compacts the buffer
    in.append("ly\n");
    r = in.next_line();
    ASSERT_EQ(r.what, input_buffer::status::line);
    EXPECT_EQ(r.line, "stly");
    EXPECT_EQ(in.buffered(), 0u);
}

}  // namespace
}  // namespace mailroom::proto
