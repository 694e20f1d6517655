#include "proto/imap/response_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailroom::imap {
namespace {

using namespace std::string_literals;

std::string str(std::string_view s, string_style style = {}) {
    std::string out;
    append_string(out, s, style);
    return out;
}
std::string astr(std::string_view s) {
    std::string out;
    append_astring(out, s);
    return out;
}

TEST(ImapResponseWriter, StringForms) {
    EXPECT_EQ(str(""), "\"\"");
    EXPECT_EQ(str("hello world"), "\"hello world\"");
    EXPECT_EQ(str("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
    EXPECT_EQ(str("two\r\nlines"), "{10}\r\ntwo\r\nlines");
    EXPECT_EQ(str("bare\rcr"), "{7}\r\nbare\rcr");
    EXPECT_EQ(str("J\xc3\xb6rg"), "{5}\r\nJ\xc3\xb6rg");       // 8-bit: literal
    EXPECT_EQ(str("J\xc3\xb6rg", {true}), "\"J\xc3\xb6rg\"");  // RFC 6855 utf8-quoted
    // utf8-quoted only for well-formed UTF-8: truncated, overlong, surrogate, > U+10FFFF go literal.
    EXPECT_EQ(str("\xe2\x82\xac \xf0\x9f\x93\xa7", {true}), "\"\xe2\x82\xac \xf0\x9f\x93\xa7\"");
    for (const std::string bad :
         {"\xc3", "a\xe2\x82", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\x80"})
        EXPECT_EQ(str(bad, {true}), "{" + std::to_string(bad.size()) + "}\r\n" + bad) << bad;
    EXPECT_EQ(str("a\0b"s), "{3}\r\na\0b"s);                                        // never literal8 outside BINARY
    EXPECT_EQ(str(std::string(2000, 'x')), "{2000}\r\n" + std::string(2000, 'x'));  // long: literal
    std::string out;
    append_nstring(out, std::nullopt);
    append_nstring(out, std::string_view("x"));
    EXPECT_EQ(out, "NIL\"x\"");
}

TEST(ImapResponseWriter, Astrings) {
    EXPECT_EQ(astr("INBOX"), "INBOX");
    EXPECT_EQ(astr("Sent]"), "Sent]");
    EXPECT_EQ(astr("Sent Items"), "\"Sent Items\"");
    EXPECT_EQ(astr(""), "\"\"");
    EXPECT_EQ(astr("NIL"), "\"NIL\"");  // a bare NIL would read as nil
    EXPECT_EQ(astr("nil"), "\"nil\"");
    EXPECT_EQ(astr("a*b"), "\"a*b\"");
    EXPECT_EQ(astr("a%b"), "\"a%b\"");
    EXPECT_EQ(astr("(x)"), "\"(x)\"");
    EXPECT_EQ(astr("{1}"), "\"{1}\"");
    EXPECT_EQ(astr("\\Seen"), "\"\\\\Seen\"");
    EXPECT_EQ(astr("a\"b"), "\"a\\\"b\"");
}

TEST(ImapResponseWriter, BinaryAndLiterals) {
    std::string out;
    append_binary(out, "a\0b"s);
    EXPECT_EQ(out, "~{3}\r\na\0b"s);
    out.clear();
    append_binary(out, "plain");
    EXPECT_EQ(out, "\"plain\"");
    out.clear();
    append_binary(out, "8bit\xff");
    EXPECT_EQ(out, "{5}\r\n8bit\xff");
    out.clear();
    append_literal(out, "");
    EXPECT_EQ(out, "{0}\r\n");
    out.clear();
    append_literal(out, "xy", true);
    EXPECT_EQ(out, "~{2}\r\nxy");
}

TEST(ImapResponseWriter, Lines) {
    std::string out;
    response_writer w(out);
    w.untagged()
        .number(12)
        .atom("FETCH")
        .open_list()
        .atom("UID")
        .number(7)
        .atom("FLAGS")
        .open_list()
        .atom("\\Seen")
        .atom("\\Answered")
        .close_list()
        .atom("BODY[1]")
        .glue()
        .atom("<0>")
        .literal("abc")
        .close_list();
    w.end_line();
    w.untagged().atom("LIST").open_list().close_list().string("/").astring("Sent Items");
    w.end_line();
    w.status("a1", "OK", "READ-WRITE", "SELECT completed");
    w.untagged_status("OK", "UIDVALIDITY 3857529045", "UIDs valid");
    w.untagged_status("BYE", "", "");
    w.status("a2", "BAD", "", "bad\r\ntext\0here"s);  // peer-derived text cannot split the line
    w.continue_request("");
    w.untagged().atom("ENVELOPE").open_list().nstring(std::nullopt).nil().string("x").close_list().end_line();
    w.tagged("a3").atom("OK").open_code().atom("APPENDUID").number(38505).number(3955).close_code().text("done");
    w.end_line();
    EXPECT_EQ(out,
              "* 12 FETCH (UID 7 FLAGS (\\Seen \\Answered) BODY[1]<0> {3}\r\nabc)\r\n"
              "* LIST () \"/\" \"Sent Items\"\r\n"
              "a1 OK [READ-WRITE] SELECT completed\r\n"
              "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
              "* BYE BYE\r\n"
              "a2 BAD bad  text here\r\n"
              "+ Ready\r\n"
              "* ENVELOPE (NIL NIL \"x\")\r\n"
              "a3 OK [APPENDUID 38505 3955] done\r\n");
}

TEST(ImapResponseWriter, Utf8Style) {
    std::string out;
    response_writer w(out, {true});
    w.untagged().atom("LIST").open_list().close_list().string("/").astring("Entw\xc3\xbcrfe").end_line();
    EXPECT_EQ(out, "* LIST () \"/\" \"Entw\xc3\xbcrfe\"\r\n");
}

}  // namespace
}  // namespace mailroom::imap
