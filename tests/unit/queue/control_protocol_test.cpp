// The control socket's line protocol: requests accepted and refused, fed
// whole and split at every offset, replies made one bounded line.
#include "queue/control_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::queue {
namespace {

constexpr const char* id = "0123456789abcdef";

struct valid_case {
    std::string line;
    control_request want;
};

const std::vector<valid_case> valid = {
    {"FLUSH\n", {control_verb::flush, ""}},
    {"flush\r\n", {control_verb::flush, ""}},
    {"FLUSH 0123456789abcdef\n", {control_verb::flush, id}},
    {"Delete 0123456789abcdef\r\n", {control_verb::remove, id}},
    {"BOUNCE 0123456789abcdef\n", {control_verb::bounce, id}},
    {"bounce ffffffffffffffff\n", {control_verb::bounce, "ffffffffffffffff"}},
    {"RELOAD\n", {control_verb::reload, ""}},
    {"reload\r\n", {control_verb::reload, ""}},
};

struct invalid_case {
    std::string line;
    std::string reason_contains;
};

const std::vector<invalid_case> invalid = {
    {"\n", "empty request"},
    {"RELOAD 0123456789abcdef\n", "takes no argument"},
    {"RELOAD \n", "takes no argument"},
    {"\r\n", "empty request"},
    {"HELO\n", "unknown request"},
    {"FLUSHALL\n", "unknown request"},
    {" FLUSH\n", "unknown request"},
    {"DELETE\n", "DELETE needs a queue id"},
    {"BOUNCE\n", "BOUNCE needs a queue id"},
    {"DELETE \n", "not a queue id"},
    {"FLUSH \n", "not a queue id"},
    {"DELETE 0123456789ABCDEF\n", "not a queue id"},   // the spool's ids are lower case
    {"DELETE 0123456789abcde\n", "not a queue id"},    // 15 digits
    {"DELETE 0123456789abcdef0\n", "not a queue id"},  // 17
    {"DELETE  0123456789abcdef\n", "not a queue id"},  // two spaces
    {"DELETE 0123456789abcdef \n", "not a queue id"},  // trailing space
    {"DELETE ../../etc/passwd\n", "not a queue id"},
    {"DELETE 0123456789abcdef 0123456789abcdef\n", "not a queue id"},
    {"DELETE 0123456789abcde\rf\n", "not a queue id"},  // a bare CR is no line end
    {std::string("FLUSH\0\n", 7), "unknown request"},
    {"DELETE\t0123456789abcdef\n", "unknown request"},
};

// Feeds `text` cut at `split` (npos: whole) and then, if still undecided, EOF.
parsed_request read_split(const std::string& text, std::size_t split) {
    control_request_reader r;
    if (split == std::string::npos) {
        r.feed(text);
    } else {
        r.feed(std::string_view(text).substr(0, split));
        r.feed(std::string_view(text).substr(split));
    }
    if (!r.result()) r.feed_eof();
    return *r.result();
}

TEST(ControlProtocol, AcceptsEveryRequestWholeAndSplitAtEveryOffset) {
    for (const auto& c : valid) {
        for (std::size_t split = 0; split <= c.line.size(); ++split) {
            auto got = read_split(c.line, split);
            auto* req = std::get_if<control_request>(&got);
            ASSERT_NE(req, nullptr) << c.line << " split at " << split;
            EXPECT_EQ(*req, c.want) << c.line;
        }
        EXPECT_EQ(std::get<control_request>(read_split(c.line, std::string::npos)), c.want);
    }
}

TEST(ControlProtocol, ByteByByte) {
    for (const auto& c : valid) {
        control_request_reader r;
        for (std::size_t i = 0; i + 1 < c.line.size(); ++i) {
            r.feed(c.line.substr(i, 1));
            EXPECT_FALSE(r.result()) << "decided before the LF: " << c.line;
        }
        r.feed(c.line.substr(c.line.size() - 1));
        ASSERT_TRUE(r.result());
        EXPECT_EQ(std::get<control_request>(*r.result()), c.want);
    }
}

TEST(ControlProtocol, RefusesMalformedRequestsWithAReason) {
    for (const auto& c : invalid) {
        for (std::size_t split = 0; split <= c.line.size(); ++split) {
            auto got = read_split(c.line, split);
            auto* no = std::get_if<control_refusal>(&got);
            ASSERT_NE(no, nullptr) << "accepted: " << c.line;
            EXPECT_NE(no->reason.find(c.reason_contains), std::string::npos) << c.line << " -> " << no->reason;
        }
    }
}

TEST(ControlProtocol, FormattedRequestsParseBack) {
    for (const auto& c : valid) {
        const auto line = format_control_request(c.want);
        ASSERT_EQ(line.back(), '\n');
        EXPECT_EQ(std::get<control_request>(read_split(line, std::string::npos)), c.want);
    }
    EXPECT_EQ(format_control_request({control_verb::remove, id}), "DELETE 0123456789abcdef\n");
    EXPECT_EQ(format_control_request({control_verb::flush, ""}), "FLUSH\n");
}

TEST(ControlProtocol, LineLimitCountsTheLineEnd) {
    // 511 bytes and the LF fit (and are refused for their content only).
    const std::string fits = "FLUSH " + std::string(505, 'a');
    ASSERT_EQ(fits.size(), 511u);
    auto got = read_split(fits + "\n", std::string::npos);
    EXPECT_EQ(std::get<control_refusal>(got).reason.find("too long"), std::string::npos);
    // One more byte is too long, decided as soon as it arrives, LF or not.
    for (std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{300}, std::size_t{512}}) {
        auto long_one = read_split(fits + "a\n", split);
        EXPECT_NE(std::get<control_refusal>(long_one).reason.find("too long"), std::string::npos);
    }
    control_request_reader r;
    r.feed(std::string(4096, 'x'));  // no LF at all: refused without waiting for one
    ASSERT_TRUE(r.result());
    EXPECT_NE(std::get<control_refusal>(*r.result()).reason.find("too long"), std::string::npos);
}

TEST(ControlProtocol, UnterminatedRequestAtEndOfInput) {
    control_request_reader r;
    r.feed("FLUSH");
    EXPECT_FALSE(r.result());
    r.feed_eof();
    ASSERT_TRUE(r.result());
    EXPECT_EQ(std::get<control_request>(*r.result()), (control_request{control_verb::flush, ""}));

    control_request_reader nothing;
    nothing.feed_eof();
    EXPECT_TRUE(std::holds_alternative<control_refusal>(*nothing.result()));
}

TEST(ControlProtocol, OnlyTheFirstLineCounts) {
    control_request_reader r;
    r.feed("DELETE 0123456789abcdef\nBOUNCE 0123456789abcdef\n");
    r.feed("FLUSH\n");
    r.feed_eof();
    EXPECT_EQ(std::get<control_request>(*r.result()), (control_request{control_verb::remove, id}));
}

TEST(ControlProtocol, RepliesAreOneBoundedLine) {
    EXPECT_EQ(format_control_reply({true, "0123456789abcdef deleted"}), "OK 0123456789abcdef deleted\n");
    EXPECT_EQ(format_control_reply({false, "no message"}), "ERR no message\n");
    EXPECT_EQ(format_control_reply({true, ""}), "OK\n");
    EXPECT_EQ(format_control_reply({false, std::string("a\r\nb\0c", 6)}), "ERR a??b?c\n");

    const auto long_line = format_control_reply({false, std::string(2000, 'x')});
    EXPECT_EQ(long_line.size(), max_control_line_bytes);
    EXPECT_EQ(long_line.substr(long_line.size() - 4), "...\n");
    // A cut never splits a UTF-8 character.
    std::string euros;
    for (int i = 0; i < 400; ++i) euros += "\xe2\x82\xac";
    const auto cut = format_control_reply({true, euros});
    EXPECT_LE(cut.size(), max_control_line_bytes);
    const auto body = cut.substr(3, cut.size() - 3 - 4);
    EXPECT_EQ(body.size() % 3, 0u);
}

TEST(ControlProtocol, RepliesParseBack) {
    EXPECT_EQ(parse_control_reply("OK 3 messages"), (control_reply{true, "3 messages"}));
    EXPECT_EQ(parse_control_reply("ERR no such message"), (control_reply{false, "no such message"}));
    EXPECT_EQ(parse_control_reply("OK"), (control_reply{true, ""}));
    EXPECT_EQ(parse_control_reply("ERR"), (control_reply{false, ""}));
    EXPECT_FALSE(parse_control_reply("OKAY fine"));
    EXPECT_FALSE(parse_control_reply("ok fine"));
    EXPECT_FALSE(parse_control_reply(""));
    EXPECT_FALSE(parse_control_reply("+OK"));
    const control_reply r{false, "line one\nline two"};
    auto line = format_control_reply(r);
    line.pop_back();
    EXPECT_EQ(parse_control_reply(line), (control_reply{false, "line one?line two"}));
}

}  // namespace
}  // namespace mailroom::queue
