#include "mail/mime/search_text.hpp"

#include <gtest/gtest.h>

#include "mail/mime/parser.hpp"
#include "mail/mime/section.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

using namespace std::string_literals;

TEST(mime_search_text, header_encoded_words_decoded_to_utf8) {
    EXPECT_EQ(decode_header_text("=?iso-8859-1?q?caf=E9?= now"), "caf\xC3\xA9 now");
    // RFC 2047 §6.2: blanks between adjacent encoded words go; folding is unfolded.
    EXPECT_EQ(decode_header_text("=?utf-8?b?w6k=?=\n =?utf-8?b?w6k=?="), "\xC3\xA9\xC3\xA9");
    EXPECT_EQ(decode_header_text("plain text"), "plain text");
    EXPECT_EQ(decode_header_text("=?utf-8?q?a_b?="), "a b");
    // Padded base64 words next to each other (GMime alone loses the second).
    EXPECT_EQ(decode_header_text("=?utf-8?b?w6k=?= =?UTF-8?B?w6k=?= x =?utf-8?b?w6k=?= y"),
              "\xC3\xA9\xC3\xA9 x \xC3\xA9 y");
    // A character split across two words (common, though RFC 2047 §5 forbids it) survives.
    EXPECT_EQ(decode_header_text("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?="), "caf\xC3\xA9");
}

TEST(mime_search_text, header_field_values_in_order) {
    const auto header = "Received: a\nX-Tag: one\n two\nreceived: b\n\nReceived: body\n"s;
    EXPECT_EQ(header_field_values(header, "RECEIVED"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(header_field_values(header, "x-tag"), (std::vector<std::string>{"one two"}));
    EXPECT_TRUE(header_field_values(header, "subject").empty());
}

TEST(mime_search_text, invalid_bytes_and_nul_never_survive) {
    const auto junk = decode_header_text("8-bit \xff\xfe junk");
    EXPECT_EQ(junk.find('\xff'), std::string::npos);
    EXPECT_NE(junk.find("junk"), std::string::npos);
    const auto nul = decode_header_text("a\0b"s);
    EXPECT_EQ(nul.find('\0'), std::string::npos);
}

TEST(mime_search_text, text_bodies_decoded_and_converted) {
    const auto& msg = samples::mixed;
    const auto m = parse_message(msg);
    EXPECT_EQ(decode_text_body(msg, *find_part(m.body, std::vector<std::uint32_t>{1, 1})),
              "caf\xC3\xA9 au lait please");
    EXPECT_EQ(decode_text_body(msg, *find_part(m.body, std::vector<std::uint32_t>{2})), "");  // not text/*
    const auto latin1 =
        "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\nY2Fm6Q==\n"s;  // "caf\xe9"
    EXPECT_EQ(decode_text_body(latin1, parse_message(latin1).body), "caf\xC3\xA9");
    const auto win = "Content-Type: text/plain; charset=windows-1252\n\n\x93quoted\x94\n"s;
    EXPECT_EQ(decode_text_body(win, parse_message(win).body), "\xE2\x80\x9Cquoted\xE2\x80\x9D\r\n");
    const auto unknown = "Content-Type: text/plain; charset=x-no-such-charset\n\nabc \xff\n"s;
    const auto u = decode_text_body(unknown, parse_message(unknown).body);
    EXPECT_EQ(u.substr(0, 4), "abc ");
    EXPECT_EQ(u.find('\xff'), std::string::npos);
}

TEST(mime_search_text, sent_date_is_the_written_day) {
    // RFC 9051 §6.4.4 SENTON: the date disregarding time and timezone.
    EXPECT_EQ(sent_date("Mon, 7 Dec 2026 23:59:59 -0800"), (civil_date{2026, 12, 7}));
    EXPECT_EQ(sent_date("Tue, 8 Dec 2026 00:30:00 +1400"), (civil_date{2026, 12, 8}));
    EXPECT_EQ(sent_date("1 Jan 2000 00:00 GMT"), (civil_date{2000, 1, 1}));
    EXPECT_FALSE(sent_date("bogus"));
    EXPECT_FALSE(sent_date(""));
}

}  // namespace
}  // namespace mailroom::mime
