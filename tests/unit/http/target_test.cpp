// http::parse_target: origin-form targets split and decoded; every form a
// client should not send, and every limit, refused.
#include "http/target.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::http {
namespace {

using namespace std::string_literals;

struct valid_case {
    std::string target;
    std::vector<std::string> segments;
    std::vector<std::pair<std::string, std::string>> query;
};

TEST(http_target, valid) {
    const valid_case cases[] = {
        {"/", {}, {}},
        {"/metrics", {"metrics"}, {}},
        {"/metrics/", {"metrics", ""}, {}},
        {"/api/mailboxes/alice%40example.test/messages", {"api", "mailboxes", "alice@example.test", "messages"}, {}},
        {"/a%2Fb", {"a/b"}, {}},  // an encoded slash stays inside its segment
        {"/a%2fb%C3%A9", {"a/b\xC3\xA9"}, {}},
        {"/s?q=hello+world&from=a%40b&flag", {"s"}, {{"q", "hello world"}, {"from", "a@b"}, {"flag", ""}}},
        {"/s?&&a=1&&", {"s"}, {{"a", "1"}}},
        {"/s?a=1&a=2", {"s"}, {{"a", "1"}, {"a", "2"}}},
        {"/s?a==b", {"s"}, {{"a", "=b"}}},
        {"/a+b", {"a+b"}, {}},  // '+' is a space only in the query
        {"/?x=%2B", {}, {{"x", "+"}}},
        {"/...", {"..."}, {}},
    };
    for (const auto& c : cases) {
        const auto t = parse_target(c.target);
        ASSERT_TRUE(t) << c.target;
        EXPECT_EQ(t->segments, c.segments) << c.target;
        std::vector<std::pair<std::string, std::string>> q;
        for (const auto& p : t->query) q.emplace_back(p.name, p.value);
        EXPECT_EQ(q, c.query) << c.target;
    }
}

TEST(http_target, invalid) {
    const std::string cases[] = {
        "",          "*",       "metrics", "http://host/metrics",
        "/a b",      "/a\tb",   "/a#frag", "/a%",
        "/a%4",      "/a%zz",   "/a%00b",  "/?a=%00",
        "/a/./b",    "/a/../b", "/%2e%2E", "/\x7f",
        "/\xc3\xa9", "/a\r\n",  "/\0x"s,
    };
    for (const auto& c : cases) EXPECT_FALSE(parse_target(c)) << testing::PrintToString(c);
}

TEST(http_target, limits) {
    target_limits lim;
    lim.max_bytes = 16;
    lim.max_segments = 3;
    lim.max_params = 2;
    EXPECT_TRUE(parse_target("/a/b/c", lim));
    EXPECT_FALSE(parse_target("/a/b/c/d", lim));
    EXPECT_TRUE(parse_target("/?a=1&b=2", lim));
    EXPECT_FALSE(parse_target("/?a=1&b=2&c=3", lim));
    EXPECT_TRUE(parse_target("/" + std::string(15, 'x'), lim));
    EXPECT_FALSE(parse_target("/" + std::string(16, 'x'), lim));
}

TEST(http_target, percent_decode_and_find) {
    EXPECT_EQ(percent_decode("a+b%20c", true), "a b c");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_FALSE(percent_decode("%G0", false));
    EXPECT_FALSE(percent_decode("%0", false));
    EXPECT_FALSE(percent_decode("a\0b"s, false));
    const auto t = parse_target("/x?to=bob&to=carol&n=2");
    ASSERT_TRUE(t);
    ASSERT_NE(find_param(t->query, "to"), nullptr);
    EXPECT_EQ(*find_param(t->query, "to"), "bob");
    EXPECT_EQ(find_param(t->query, "from"), nullptr);
}

}  // namespace
}  // namespace mailroom::http
