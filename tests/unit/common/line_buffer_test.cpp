#include "common/line_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom {
namespace {

// Feeds input in pieces of `step` bytes and collects lines and markers.
std::vector<std::string> split(std::string_view input, std::size_t max, std::size_t step) {
    line_buffer lb(max);
    std::vector<std::string> out;
    auto drain = [&] {
        for (;;) {
            auto r = lb.next();
            if (r.what == line_buffer::status::need_more) return;
            out.push_back(r.what == line_buffer::status::line ? std::string(r.line) : "<too long>");
        }
    };
    for (std::size_t i = 0; i < input.size(); i += step) {
        lb.append(input.substr(i, step));
        drain();
        EXPECT_LE(lb.buffered(), max + step);
    }
    return out;
}

struct line_case {
    std::string input;
    std::size_t max;
    std::vector<std::string> expected;
};

TEST(line_buffer, splits_lines_at_every_offset) {
    const std::vector<line_case> cases = {
        {"USER a\r\nPASS b\r\n", 64, {"USER a", "PASS b"}},
        {"bare lf\nx\r\n", 64, {"bare lf", "x"}},
        {"no end yet", 64, {}},
        {"\r\n\r\n", 64, {"", ""}},
        {"cr\rinside\r\n", 64, {"cr\rinside"}},
        {std::string("nul\0byte\r\n", 10), 64, {std::string("nul\0byte", 8)}},
        {"12345678\r\nok\r\n", 8, {"<too long>", "ok"}},
        {"1234567\nok\n", 8, {"1234567", "ok"}},
        {std::string(100, 'x') + "\r\nafter\r\n", 16, {"<too long>", "after"}},
        {"a\r\n" + std::string(100, 'x') + "\r\nb\r\n" + std::string(50, 'y') + "\nc\n", 16,
         {"a", "<too long>", "b", "<too long>", "c"}},
    };
    for (const auto& c : cases)
        for (std::size_t step = 1; step <= c.input.size() + 1; ++step)
            EXPECT_EQ(split(c.input, c.max, step), c.expected) << c.input << " step " << step;
}

TEST(line_buffer, memory_stays_bounded_inside_a_long_line) {
    line_buffer lb(32);
    for (int i = 0; i < 1000; ++i) {
        lb.append(std::string(1000, 'z'));
        EXPECT_LE(lb.buffered(), 32u + 1000u);
    }
    EXPECT_EQ(lb.next().what, line_buffer::status::too_long);
    EXPECT_EQ(lb.next().what, line_buffer::status::need_more);
    lb.append("zz\r\nnext\r\n");
    auto r = lb.next();
    ASSERT_EQ(r.what, line_buffer::status::line);
    EXPECT_EQ(r.line, "next");
}

TEST(line_buffer, clear_drops_read_ahead) {
    line_buffer lb(64);
    lb.append("STLS\r\nUSER mallory\r\n");
    auto r = lb.next();
    ASSERT_EQ(r.what, line_buffer::status::line);
    EXPECT_EQ(r.line, "STLS");
    lb.clear();
    EXPECT_EQ(lb.next().what, line_buffer::status::need_more);
}

TEST(line_buffer, reports_crlf) {
    line_buffer lb(64);
    lb.append("a\r\nb\n");
    lb.next();
    EXPECT_TRUE(lb.ended_with_crlf());
    lb.next();
    EXPECT_FALSE(lb.ended_with_crlf());
}

}  // namespace
}  // namespace mailroom
