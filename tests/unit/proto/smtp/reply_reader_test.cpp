#include "proto/smtp/client/reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::smtp::client {
namespace {

// Feeds `bytes` in two pieces split at `cut` and collects every result.
std::vector<reply_reader::result> read_all(const std::string& bytes, std::size_t cut, reply_limits lim = {}) {
    reply_reader r(lim);
    std::vector<reply_reader::result> out;
    auto drain = [&] {
        for (;;) {
            auto n = r.next();
            if (std::holds_alternative<std::monostate>(n)) return;
            const bool error = std::holds_alternative<reply_error>(n);
            out.push_back(std::move(n));
            if (error) return;
        }
    };
    r.feed(std::string_view(bytes).substr(0, cut));
    drain();
    if (!out.empty() && std::holds_alternative<reply_error>(out.back())) return out;
    r.feed(std::string_view(bytes).substr(cut));
    drain();
    return out;
}

TEST(smtp_client_reply_reader, valid_replies_at_every_split) {
    struct c {
        std::string bytes;
        int code;
        std::string enhanced;
        std::vector<std::string> lines;
    };
    for (const auto& k : std::vector<c>{
             {"220 mx.example ESMTP\r\n", 220, "", {"mx.example ESMTP"}},
             {"250-a\r\n250-b\r\n250 c\r\n", 250, "", {"a", "b", "c"}},
             {"250\r\n", 250, "", {""}},
             {"354 \r\n", 354, "", {""}},
             {"250-\r\n250 x\r\n", 250, "", {"", "x"}},
             {"550 5.1.1 no such user\r\n", 550, "5.1.1", {"5.1.1 no such user"}},
             {"452-4.2.2 full\r\n452 4.2.2 really\r\n", 452, "4.2.2", {"4.2.2 full", "4.2.2 really"}},
             {"250 2.0.0\r\n", 250, "2.0.0", {"2.0.0"}},
             {"550 4.1.1 class differs\r\n", 550, "", {"4.1.1 class differs"}},
             {"550 5.1234.1 too long\r\n", 550, "", {"5.1234.1 too long"}},
             {"550 5.1. no detail\r\n", 550, "", {"5.1. no detail"}},
             {"250 bare lf\n", 250, "", {"bare lf"}},
             {"250 tab\there\r\n", 250, "", {"tab\there"}},
             {std::string("550 esc\x1b[1m nul\x00!\r\n", 19), 550, "", {"esc?[1m nul?!"}},
             {"599 top\r\n", 599, "", {"top"}},
         }) {
        for (std::size_t cut = 0; cut <= k.bytes.size(); ++cut) {
            auto got = read_all(k.bytes, cut);
            ASSERT_EQ(got.size(), 1u) << k.bytes << " cut " << cut;
            ASSERT_TRUE(std::holds_alternative<reply>(got[0])) << k.bytes << " cut " << cut;
            const auto& r = std::get<reply>(got[0]);
            EXPECT_EQ(r.code, k.code) << k.bytes;
            EXPECT_EQ(r.enhanced, k.enhanced) << k.bytes;
            EXPECT_EQ(r.lines, k.lines) << k.bytes;
        }
    }
}

TEST(smtp_client_reply_reader, several_replies_in_order) {
    const std::string bytes = "250 ok\r\n550-no\r\n550 really\r\n354 go\r\n";
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        auto got = read_all(bytes, cut);
        ASSERT_EQ(got.size(), 3u) << cut;
        EXPECT_EQ(std::get<reply>(got[0]).code, 250);
        EXPECT_EQ(std::get<reply>(got[1]).summary(), "550 no / really");
        EXPECT_EQ(std::get<reply>(got[2]).code, 354);
    }
}

TEST(smtp_client_reply_reader, errors_at_every_split) {
    reply_limits small;
    small.max_line_bytes = 32;
    small.max_lines = 3;
    small.max_reply_bytes = 40;
    struct c {
        std::string bytes;
        reply_error e;
    };
    for (const auto& k : std::vector<c>{
             {"hello\r\n", reply_error::bad_syntax},
             {"25\r\n", reply_error::bad_syntax},
             {"2500 x\r\n", reply_error::bad_syntax},
             {"250_x\r\n", reply_error::bad_syntax},
             {"\r\n", reply_error::bad_syntax},
             {"-250 x\r\n", reply_error::bad_syntax},
             {"199 x\r\n", reply_error::bad_code},
             {"600 x\r\n", reply_error::bad_code},
             {"000 x\r\n", reply_error::bad_code},
             {"250-a\r\n251 b\r\n", reply_error::mixed_codes},
             {"250-a\r\n550 b\r\n", reply_error::mixed_codes},
             {"250 " + std::string(40, 'x') + "\r\n", reply_error::line_too_long},
             {"250 " + std::string(40, 'x'), reply_error::line_too_long},
             {"250-a\r\n250-b\r\n250-c\r\n250 d\r\n", reply_error::too_many_lines},
             {"250-" + std::string(20, 'a') + "\r\n250 " + std::string(20, 'b') + "\r\n", reply_error::too_long},
         }) {
        for (std::size_t cut = 0; cut <= k.bytes.size(); ++cut) {
            auto got = read_all(k.bytes, cut, small);
            ASSERT_FALSE(got.empty()) << k.bytes << " cut " << cut;
            ASSERT_TRUE(std::holds_alternative<reply_error>(got.back())) << k.bytes << " cut " << cut;
            EXPECT_EQ(std::get<reply_error>(got.back()), k.e) << k.bytes << " cut " << cut;
        }
    }
}

TEST(smtp_client_reply_reader, stays_failed) {
    reply_reader r;
    r.feed("xyz\r\n250 ok\r\n");
    EXPECT_TRUE(std::holds_alternative<reply_error>(r.next()));
    EXPECT_TRUE(std::holds_alternative<reply_error>(r.next()));
}

TEST(smtp_client_reply_reader, unread_bytes_and_clear) {
    reply_reader r;
    EXPECT_FALSE(r.has_unread_bytes());
    r.feed("220 ok\r\n25");
    EXPECT_TRUE(std::holds_alternative<reply>(r.next()));
    EXPECT_TRUE(r.has_unread_bytes());  // a partial line
    r.clear();
    EXPECT_FALSE(r.has_unread_bytes());
    r.feed("250-a\r\n");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next()));
    EXPECT_TRUE(r.has_unread_bytes());  // a partial reply
    r.clear();
    r.feed("354 go\r\n");
    EXPECT_EQ(std::get<reply>(r.next()).code, 354);
}

TEST(smtp_client_reply_reader, enhanced_codes) {
    EXPECT_EQ(parse_enhanced_code("2.0.0 ok", 250), "2.0.0");
    EXPECT_EQ(parse_enhanced_code("5.7.1", 554), "5.7.1");
    EXPECT_EQ(parse_enhanced_code("4.123.999 x", 451), "4.123.999");
    EXPECT_FALSE(parse_enhanced_code("3.0.0 x", 354));
    EXPECT_FALSE(parse_enhanced_code("5.0.0 x", 450));
    EXPECT_FALSE(parse_enhanced_code("5.0 x", 550));
    EXPECT_FALSE(parse_enhanced_code("5..0 x", 550));
    EXPECT_FALSE(parse_enhanced_code("5.a.0 x", 550));
    EXPECT_FALSE(parse_enhanced_code("55.0.0 x", 550));
    EXPECT_FALSE(parse_enhanced_code("", 550));
}

}  // namespace
}  // namespace mailroom::smtp::client
