#include "mail/mime/detail/address_list.hpp"

#include <gtest/gtest.h>

namespace mailroom::mime::detail {
namespace {

const std::nullopt_t nil = std::nullopt;

struct addr_case {
    const char* value;
    std::vector<address> expected;
};

// Expected values follow RFC 9051 §7.5.2 and, where the RFC is silent
// (missing parts, comments), what Dovecot 2.3 answers for the same header.
const addr_case cases[] = {
    {"", {}},
    {"  ", {}},
    {"a@b.test", {{nil, nil, "a", "b.test"}}},
    {"\"Joe Q. Public\" <john.q.public@example.com>", {{"Joe Q. Public", nil, "john.q.public", "example.com"}}},
    {"Mary Smith <mary@x.test>, jdoe@one.test",
     {{"Mary Smith", nil, "mary", "x.test"}, {nil, nil, "jdoe", "one.test"}}},
    {"=?utf-8?q?J=C3=B6rg?= <j@x.test>", {{"=?utf-8?q?J=C3=B6rg?=", nil, "j", "x.test"}}},  // raw, not decoded
    {"Undisclosed recipients:;", {{nil, nil, "Undisclosed recipients", nil}, {}}},
    {"A Group:Ed Jones <c@a.test>,joe@where.test;, z@z",
     {{nil, nil, "A Group", nil},
      {"Ed Jones", nil, "c", "a.test"},
      {nil, nil, "joe", "where.test"},
      {},
      {nil, nil, "z", "z"}}},
    {"<@route1,@route2:x@y.z>", {{nil, "@route1,@route2", "x", "y.z"}}},
    {"bob (Bob B.)", {{"Bob B.", nil, "bob", "MISSING_DOMAIN"}}},
    {"e@f (trailing)", {{"trailing", nil, "e", "f"}}},
    {"(comment only) c@d", {{nil, nil, "c", "d"}}},
    {"\"quoted \\\" name\" <a@b>", {{"quoted \" name", nil, "a", "b"}}},
    {"<>", {{nil, nil, "MISSING_MAILBOX", "MISSING_DOMAIN"}}},
    {"a@[192.0.2.1]", {{nil, nil, "a", "[192.0.2.1]"}}},
    {"Joe <unterminated@x", {{"Joe", nil, "unterminated", "x"}}},
    {"\"unterminated", {{nil, nil, "\"unterminated\"", "MISSING_DOMAIN"}}},
    {"(unterminated comment", {}},
    {",,, ,a@b,", {{nil, nil, "a", "b"}}},
};

TEST(mime_address_list, table) {
    for (const auto& c : cases) EXPECT_EQ(parse_address_list(c.value), c.expected) << c.value;
}

TEST(mime_address_list, junk_never_loops_or_throws) {
    for (const char* junk :
         {"@", ";", ":", ">", "<", "<<<>>>", "a:b:c;d;", "\\", "\"\\", "((((", "))))", "@@@,,,;;;"}) {
        const auto v = parse_address_list(junk);
        EXPECT_LE(v.size(), 8u) << junk;
    }
}

}  // namespace
}  // namespace mailroom::mime::detail
