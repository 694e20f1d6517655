#include "proto/smtp/address.hpp"

#include <gtest/gtest.h>

namespace mailroom::smtp {
namespace {

using namespace std::string_literals;

struct good {
    std::string text;
    bool null_ok;
    bool utf8;
    std::string expected;
    std::string rest;
};

TEST(smtp_address, valid_paths) {
    const std::vector<good> cases{
        {"<alice@example.test>", false, false, "alice@example.test", ""},
        {"<Alice@EXAMPLE.Test> SIZE=10", false, false, "Alice@example.test", " SIZE=10"},
        {"<first.last+tag@sub.example.test>", false, false, "first.last+tag@sub.example.test", ""},
        {"<\"john doe\"@example.test>", false, false, "\"john doe\"@example.test", ""},
        {"<\"a\\\"b\"@example.test>", false, false, "\"a\\\"b\"@example.test", ""},
        {"<\"q>q\"@example.test>", false, false, "\"q>q\"@example.test", ""},
        {"<postmaster@[127.0.0.1]>", false, false, "postmaster@[127.0.0.1]", ""},
        {"<x@[IPv6:::1]>", false, false, "x@[IPv6:::1]", ""},
        {"<j\xc3\xb6rg@b\xc3\xbc"
         "cher.example>",
         false, true,
         "j\xc3\xb6rg@b\xc3\xbc"
         "cher.example",
         ""},
        {"<>", true, false, "", ""},
        {"<> BODY=8BITMIME", true, false, "", " BODY=8BITMIME"},
    };
    for (const auto& c : cases) {
        auto r = parse_path(c.text, c.null_ok, c.utf8);
        EXPECT_FALSE(r.error) << c.text;
        EXPECT_EQ(r.box ? r.box->str() : "", c.expected) << c.text;
        EXPECT_EQ(r.rest, c.rest) << c.text;
    }
}

TEST(smtp_address, refused_paths) {
    const std::vector<std::tuple<std::string, bool, address_error>> cases{
        {"alice@example.test", false, address_error::syntax},
        {"<alice@example.test", false, address_error::syntax},
        {"<>", false, address_error::syntax},  // not for RCPT
        {"<alice>", false, address_error::syntax},
        {"<@example.test>", false, address_error::source_route},
        {"<@a.test,@b.test:user@c.test>", false, address_error::source_route},
        {"<user%other.test@example.test>", false, address_error::relay_hack},
        {"<other.test!user@example.test>", false, address_error::relay_hack},
        {"<\"user%x\"@example.test>", false, address_error::relay_hack},
        {"<a..b@example.test>", false, address_error::syntax},
        {"<.a@example.test>", false, address_error::syntax},
        {"<a b@example.test>", false, address_error::syntax},
        {"<a@exa mple.test>", false, address_error::syntax},
        {"<a@-x.test>", false, address_error::syntax},
        {"<a@x.test.>", false, address_error::syntax},
        {"<a@[999.1.1.1]>", false, address_error::syntax},
        {"<a@[IPv6:zz]>", false, address_error::syntax},
        {"<a@b@example.test>", false, address_error::syntax},
        {"<\"\"@example.test>", false, address_error::syntax},
        {"<\"a\x01\"@example.test>", false, address_error::syntax},
        {"<a\0@example.test>"s, false, address_error::syntax},
        {"<j\xc3\xb6rg@example.test>", false, address_error::utf8_not_allowed},
        {"<a@b\xc3\xbc"
         "cher.example>",
         false, address_error::utf8_not_allowed},
        {"<" + std::string(65, 'a') + "@example.test>", false, address_error::too_long},
        {"<a@" + std::string(250, 'b') + ".test>", false, address_error::too_long},
    };
    for (const auto& [text, null_ok, err] : cases) {
        auto r = parse_path(text, null_ok, false);
        ASSERT_TRUE(r.error) << text;
        EXPECT_EQ(*r.error, err) << text;
        EXPECT_FALSE(r.box) << text;
    }
    // Invalid UTF-8 is refused even with SMTPUTF8 (overlong, surrogate, truncated).
    for (const char* bad : {"<\xc0\xafx@example.test>", "<\xed\xa0\x80@example.test>", "<a\xe2\x82@example.test>"})
        EXPECT_TRUE(parse_path(bad, false, true).error) << bad;
}

TEST(smtp_address, domains) {
    EXPECT_TRUE(valid_domain("example.test", false));
    EXPECT_TRUE(valid_domain("a-b.c9.test", false));
    EXPECT_TRUE(valid_domain("localhost", false));
    EXPECT_TRUE(valid_domain("[10.0.0.1]", false));
    EXPECT_FALSE(valid_domain("", false));
    EXPECT_FALSE(valid_domain("a_b.test", false));
    EXPECT_FALSE(valid_domain("a..test", false));
    EXPECT_FALSE(valid_domain(std::string(64, 'a') + ".test", false));
    EXPECT_FALSE(valid_domain("[10.0.0.1", false));
}

}  // namespace
}  // namespace mailroom::smtp
