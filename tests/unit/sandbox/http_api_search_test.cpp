// sandbox::parse_search and search_matches: the query of the dev API's
// message list and long poll.
#include "sandbox/http_api_search.hpp"

#include <gtest/gtest.h>

namespace mailroom::sandbox {
namespace {

std::vector<http::query_param> q(std::initializer_list<std::pair<const char*, const char*>> ps) {
    std::vector<http::query_param> out;
    for (auto& [n, v] : ps) out.push_back({n, v});
    return out;
}

message_search ok(const std::vector<http::query_param>& query, const std::vector<std::string_view>& allowed = {}) {
    auto r = parse_search(query, {}, allowed);
    if (auto* e = std::get_if<search_error>(&r)) ADD_FAILURE() << e->message;
    return std::holds_alternative<message_search>(r) ? std::get<message_search>(r) : message_search{};
}

std::string err(const std::vector<http::query_param>& query) {
    auto r = parse_search(query);
    return std::holds_alternative<search_error>(r) ? std::get<search_error>(r).message : "(accepted)";
}

TEST(DevApiSearch, ParsesEveryTerm) {
    auto s = ok(q({{"from", "alice"},
                   {"to", "bob@x"},
                   {"subject", "Hi"},
                   {"text", "body"},
                   {"since", "2026-12-01"},
                   {"before", "2027-01-01"},
                   {"limit", "10"},
                   {"offset", "20"}}));
    EXPECT_EQ(s.from, "alice");
    EXPECT_EQ(s.to, "bob@x");
    EXPECT_EQ(s.subject, "Hi");
    EXPECT_EQ(s.text, "body");
    EXPECT_EQ(s.since, (mime::civil_date{2026, 12, 1}));
    EXPECT_EQ(s.before, (mime::civil_date{2027, 1, 1}));
    EXPECT_EQ(s.limit, 10u);
    EXPECT_EQ(s.offset, 20u);
}

TEST(DevApiSearch, DefaultsAndAllowedExtras) {
    auto s = ok({});
    EXPECT_EQ(s.limit, search_limits{}.default_limit);
    EXPECT_FALSE(s.from);
    auto w = ok(q({{"to", "a"}, {"timeout", "5"}}), {"timeout"});
    EXPECT_EQ(w.ignored, std::vector<std::string>{"timeout"});
}

TEST(DevApiSearch, RefusesBadInput) {
    EXPECT_EQ(err(q({{"colour", "red"}})), "unknown parameter 'colour'");
    EXPECT_EQ(err(q({{"to", "a"}, {"to", "b"}})), "parameter 'to' given twice");
    EXPECT_EQ(err(q({{"subject", ""}})), "parameter 'subject' is empty");
    EXPECT_EQ(err(q({{"text", std::string(1025, 'x').c_str()}})), "parameter 'text' is too long");
    EXPECT_EQ(err(q({{"limit", "0"}})), "parameter 'limit' must be 1 to 500");
    EXPECT_EQ(err(q({{"limit", "501"}})), "parameter 'limit' must be 1 to 500");
    EXPECT_EQ(err(q({{"limit", "-1"}})), "parameter 'limit' is not a number");
    EXPECT_EQ(err(q({{"offset", "99999999999999999999"}})), "parameter 'offset' is not a number");
    EXPECT_EQ(err(q({{"since", "2026-2-01"}})), "parameter 'since' is not a date YYYY-MM-DD");
}

TEST(DevApiSearch, IsoDates) {
    EXPECT_EQ(parse_iso_date("2024-02-29"), (mime::civil_date{2024, 2, 29}));
    EXPECT_FALSE(parse_iso_date("2023-02-29"));
    EXPECT_FALSE(parse_iso_date("1900-02-29"));
    EXPECT_TRUE(parse_iso_date("2000-02-29"));
    EXPECT_FALSE(parse_iso_date("2026-13-01"));
    EXPECT_FALSE(parse_iso_date("2026-04-31"));
    EXPECT_FALSE(parse_iso_date("2026-00-10"));
    EXPECT_FALSE(parse_iso_date("2026-01-00"));
    EXPECT_FALSE(parse_iso_date("2026-01-01T00:00"));
    EXPECT_FALSE(parse_iso_date("+026-01-01"));
}

TEST(DevApiSearch, MatchesTermsCaselessly) {
    search_facts f{"Alice <alice@example.org>", "bob@example.net, Carol <c@x>", "Ünïcode Report", "the body text",
                   mime::civil_date{2026, 12, 7}};
    EXPECT_TRUE(search_matches(ok({}), f));
    EXPECT_TRUE(search_matches(ok(q({{"from", "ALICE@"}})), f));
    EXPECT_TRUE(search_matches(ok(q({{"to", "carol"}})), f));
    EXPECT_TRUE(search_matches(ok(q({{"subject", "ünïCODE"}})), f));
    EXPECT_TRUE(search_matches(ok(q({{"text", "BODY"}, {"from", "alice"}})), f));
    EXPECT_FALSE(search_matches(ok(q({{"text", "BODY"}, {"from", "bob"}})), f));
    EXPECT_FALSE(search_matches(ok(q({{"subject", "invoice"}})), f));
}

TEST(DevApiSearch, DatesSinceInclusiveBeforeExclusive) {
    search_facts f;
    f.date = mime::civil_date{2026, 12, 7};
    EXPECT_TRUE(search_matches(ok(q({{"since", "2026-12-07"}})), f));
    EXPECT_FALSE(search_matches(ok(q({{"since", "2026-12-08"}})), f));
    EXPECT_TRUE(search_matches(ok(q({{"before", "2026-12-08"}})), f));
    EXPECT_FALSE(search_matches(ok(q({{"before", "2026-12-07"}})), f));
    search_facts undated;
    EXPECT_FALSE(search_matches(ok(q({{"since", "2000-01-01"}})), undated));
    EXPECT_TRUE(search_matches(ok(q({{"subject", "x"}})), search_facts{"", "", "x", "", {}}));
}

}  // namespace
}  // namespace mailroom::sandbox
