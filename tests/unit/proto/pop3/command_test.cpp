#include "proto/pop3/command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::pop3 {
namespace {

struct valid_case {
    std::string line;
    verb what;
    std::string rest;
    std::vector<std::string> args;
};

TEST(Pop3CommandParser, ValidLines) {
    const std::vector<valid_case> cases{
        {"USER alice@example.test", verb::user, "alice@example.test", {"alice@example.test"}},
        {"user alice", verb::user, "alice", {"alice"}},
        {"UsEr alice", verb::user, "alice", {"alice"}},
        {"PASS  two  spaces ", verb::pass, " two  spaces ", {"two", "spaces"}},
        {"PASS tab\tinside", verb::pass, "tab\tinside", {"tab\tinside"}},
        {"APOP mrose c4c9334bac560ecc979e58001b3e22fb",
         verb::apop,
         "mrose c4c9334bac560ecc979e58001b3e22fb",
         {"mrose", "c4c9334bac560ecc979e58001b3e22fb"}},
        {"AUTH", verb::auth, "", {}},
        {"AUTH PLAIN =", verb::auth, "PLAIN =", {"PLAIN", "="}},
        {"STLS", verb::stls, "", {}},
        {"CAPA", verb::capa, "", {}},
        {"UTF8", verb::utf8, "", {}},
        {"QUIT", verb::quit, "", {}},
        {"STAT", verb::stat, "", {}},
        {"LIST", verb::list, "", {}},
        {"LIST 1", verb::list, "1", {"1"}},
        {"RETR 12", verb::retr, "12", {"12"}},
        {"DELE 3", verb::dele, "3", {"3"}},
        {"NOOP", verb::noop, "", {}},
        {"RSET", verb::rset, "", {}},
        {"TOP 1 10", verb::top, "1 10", {"1", "10"}},
        {"top 1 10", verb::top, "1 10", {"1", "10"}},
        {"UIDL", verb::uidl, "", {}},
        {"UIDL 7", verb::uidl, "7", {"7"}},
        {"LAST", verb::unknown, "", {}},
        {"XTND XMIT", verb::unknown, "XMIT", {"XMIT"}},
        {"USERS x", verb::unknown, "x", {"x"}},
        {" USER x", verb::unknown, "USER x", {"USER", "x"}},
        {"RETR  1", verb::retr, " 1", {"1"}},
        {"USER \xc3\xa9l\xc3\xa8ve@example.test",
         verb::user,
         "\xc3\xa9l\xc3\xa8ve@example.test",
         {"\xc3\xa9l\xc3\xa8ve@example.test"}},
    };
    for (const auto& c : cases) {
        auto r = parse_command(c.line, 255);
        ASSERT_TRUE(r.cmd) << c.line;
        EXPECT_FALSE(r.error) << c.line;
        EXPECT_EQ(r.cmd->what, c.what) << c.line;
        EXPECT_EQ(r.cmd->rest, c.rest) << c.line;
        std::vector<std::string> args(r.cmd->args.begin(), r.cmd->args.end());
        EXPECT_EQ(args, c.args) << c.line;
    }
}

TEST(Pop3CommandParser, InvalidLines) {
    const std::vector<std::pair<std::string, parse_error>> cases{
        {"", parse_error::empty_line},
        {std::string("USER a\0b", 8), parse_error::bad_characters},
        {"USER a\rb", parse_error::bad_characters},
        {"USER a\x1b", parse_error::bad_characters},
        {"USER a\x7f", parse_error::bad_characters},
        {"USER " + std::string(256, 'a'), parse_error::argument_too_long},
        {"PASS " + std::string(256, 'a'), parse_error::argument_too_long},
        {"PASS " + std::string(200, 'a') + " " + std::string(60, 'b'), parse_error::argument_too_long},
        {"AUTH PLAIN " + std::string(300, 'Q'), parse_error::argument_too_long},
    };
    for (const auto& [line, err] : cases) {
        auto r = parse_command(line, 255);
        EXPECT_FALSE(r.cmd) << line;
        ASSERT_TRUE(r.error) << line;
        EXPECT_EQ(*r.error, err) << line;
    }
}

TEST(Pop3CommandParser, ArgumentAtTheLimitIsAccepted) {
    auto r = parse_command("USER " + std::string(255, 'a'), 255);
    ASSERT_TRUE(r.cmd);
    EXPECT_EQ(r.cmd->args.at(0).size(), 255u);
}

TEST(Pop3CommandParser, Numbers) {
    EXPECT_EQ(parse_number("0"), 0u);
    EXPECT_EQ(parse_number("1"), 1u);
    EXPECT_EQ(parse_number("0007"), 7u);
    EXPECT_EQ(parse_number("4294967296"), 4294967296u);
    EXPECT_EQ(parse_number("9999999999"), 9999999999u);
    for (const char* bad : {"", "-1", "+1", "1x", "x", " 1", "1 ", "12345678901", "0x10", "1.0"})
        EXPECT_FALSE(parse_number(bad)) << bad;
}

}  // namespace
}  // namespace mailroom::pop3
