#include "mail/detail/dsn_fields.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mail/detail/returned_message.hpp"

namespace mailroom::mail::detail {
namespace {

using std::string_literals::operator""s;

// Every line ends in CRLF, has no bare CR or LF, and is at most `max` octets.
void expect_lines_within(const std::string& s, std::size_t max) {
    std::size_t start = 0;
    while (start < s.size()) {
        const auto end = s.find("\r\n", start);
        ASSERT_NE(end, std::string::npos) << "unterminated line in " << s;
        const auto line = s.substr(start, end - start);
        EXPECT_LE(line.size(), max) << line;
        EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
        start = end + 2;
    }
}

TEST(mail_dsn_fields, OneLineStripsControlsAndCollapsesSpace) {
    EXPECT_EQ(one_line("550-5.1.1 first\r\n550 5.1.1 second\r\n", 100, false), "550-5.1.1 first 550 5.1.1 second");
    EXPECT_EQ(one_line("\t a\0b\x1b[31m  c \x7f"s, 100, false), "a b [31m c");
    EXPECT_EQ(one_line("", 10, false), "");
    EXPECT_EQ(one_line("   ", 10, false), "");
    EXPECT_EQ(one_line("abcdefghij", 4, false), "abcd");
    EXPECT_EQ(one_line("ab cd ef", 5, false), "ab cd");
}

TEST(mail_dsn_fields, OneLineKeepsOnlyWellFormedUtf8WhenAllowed) {
    const std::string joerg = "j\xc3\xb6rg";
    EXPECT_EQ(one_line(joerg, 100, true), joerg);
    EXPECT_EQ(one_line(joerg, 100, false), "j??rg");
    EXPECT_EQ(one_line("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xff", 100, true),
              "?? ??? ???? ?");                            // overlong, surrogate, > U+10FFFF
    EXPECT_EQ(one_line("\xe2\x82", 100, true), "??");      // torn sequence
    EXPECT_EQ(one_line("ab\xe2\x82\xac", 4, true), "ab");  // never splits a character
}

TEST(mail_dsn_fields, FoldKeepsLinesShortAndNeverBreaksWords) {
    EXPECT_EQ(fold_field("Action", "failed"), "Action: failed\r\n");
    std::string value;
    for (int i = 0; i < 40; ++i) value += "word" + std::to_string(i) + " ";
    const auto folded = fold_field("Diagnostic-Code", one_line(value, 10000, false));
    expect_lines_within(folded, 78);
    // Unfolding (RFC 5322 §2.2.3: remove CRLF before WSP) gives the value back.
    std::string unfolded;
    for (std::size_t i = 0; i < folded.size(); ++i) {
        if (folded.compare(i, 3, "\r\n\t") == 0) {
            unfolded += ' ';
            i += 2;
        } else {
            unfolded += folded[i];
        }
    }
    EXPECT_EQ(unfolded, "Diagnostic-Code: " + one_line(value, 10000, false) + "\r\n");
}

TEST(mail_dsn_fields, FoldSplitsAWordOver998) {
    const std::string word(3000, 'x');
    const auto folded = fold_field("Diagnostic-Code", word);
    expect_lines_within(folded, 998);
    EXPECT_EQ(folded.starts_with("Diagnostic-Code: xxx"), true);
    std::size_t xs = 0;
    for (const char c : folded) xs += c == 'x';
    EXPECT_EQ(xs, 3000u);
}

TEST(mail_dsn_fields, WrapText) {
    EXPECT_EQ(wrap_text("a b c", 3), "a b\r\nc\r\n");
    expect_lines_within(wrap_text(std::string(2500, 'y') + " z", 76), 998);
}

TEST(mail_dsn_fields, StatusCodes) {
    for (auto ok : {"5.1.1", "4.4.7", "2.0.0", "5.123.999", "4.10.0"}) EXPECT_TRUE(is_status_code(ok)) << ok;
    for (auto bad : {"", "5.1", "3.1.1", "6.0.0", "5.1.1.", "5..1", "5.1234.1", "5.01.1", "5.1.x", "55.1.1", "5-1-1"})
        EXPECT_FALSE(is_status_code(bad)) << bad;
    EXPECT_EQ(status_in_reply("550 5.1.1 No such user"), "5.1.1");
    EXPECT_EQ(status_in_reply("550-5.7.1 policy"), "5.7.1");
    EXPECT_EQ(status_in_reply("451 4.7.1"), "4.7.1");
    EXPECT_EQ(status_in_reply("550 4.1.1 mismatched class"), "");
    EXPECT_EQ(status_in_reply("550 No such user"), "");
    EXPECT_EQ(status_in_reply("connect to mx: refused"), "");
    EXPECT_TRUE(is_smtp_reply("550"));
    EXPECT_TRUE(is_smtp_reply("421-busy"));
    EXPECT_FALSE(is_smtp_reply("5500 x"));
    EXPECT_FALSE(is_smtp_reply("150 x"));
    EXPECT_FALSE(is_smtp_reply("lookup failed"));
}

TEST(mail_dsn_fields, TypedAddress) {
    EXPECT_EQ(typed_address("bob@example.test"), "rfc822; bob@example.test");
    EXPECT_EQ(typed_address("j\xc3\xb6rg@example.test"), "utf-8; j\xc3\xb6rg@example.test");
}

TEST(mail_returned_message, HeaderSectionStopsAtTheEmptyLineAndNormalisesEnds) {
    const std::string msg = "Subject: hi\nFrom: a@b\r\nX: y\r\r\nbody\r\n";
    const auto h = header_section(msg, 1000);
    EXPECT_EQ(h.bytes, "Subject: hi\r\nFrom: a@b\r\nX: y\r\n");
    EXPECT_FALSE(h.full);
    EXPECT_FALSE(h.truncated);
    // No empty line: it is all header; a last line without an end gets one.
    EXPECT_EQ(header_section("A: 1\r\nB: 2", 1000).bytes, "A: 1\r\nB: 2\r\n");
    EXPECT_EQ(header_section("", 1000).bytes, "");
}

TEST(mail_returned_message, HeaderSectionLimits) {
    const auto h = header_section("A: 1\r\nB: 2\r\nC: 3\r\n\r\nbody", 13);
    EXPECT_EQ(h.bytes, "A: 1\r\nB: 2\r\n");  // whole lines only
    EXPECT_TRUE(h.truncated);
    const auto long_line = header_section("X: " + std::string(2000, 'z') + "\r\n\r\n", 10000);
    EXPECT_EQ(long_line.bytes.size(), 1000u);
    EXPECT_TRUE(long_line.truncated);
    EXPECT_TRUE(header_section("S: \xc3\xa9\r\n", 100).eight_bit);
}

TEST(mail_returned_message, FullCopyOrHeadersWhenTooBigOrUnsafe) {
    const std::string msg = "Subject: hi\r\n\r\nline 1\nline 2\r\n";
    const auto full = returned_copy(msg, true, 1000, 1000);
    EXPECT_TRUE(full.full);
    EXPECT_FALSE(full.truncated);
    EXPECT_EQ(full.bytes, "Subject: hi\r\n\r\nline 1\r\nline 2\r\n");
    const auto big = returned_copy(msg, true, 10, 1000);
    EXPECT_FALSE(big.full);
    EXPECT_TRUE(big.truncated);
    EXPECT_EQ(big.bytes, "Subject: hi\r\n");
    const auto long_body = returned_copy("S: x\r\n\r\n" + std::string(1200, 'b') + "\r\n", true, 100000, 1000);
    EXPECT_FALSE(long_body.full);
    EXPECT_EQ(long_body.bytes, "S: x\r\n");
    const auto hdrs = returned_copy(msg, false, 1000, 1000);
    EXPECT_FALSE(hdrs.full);
    EXPECT_FALSE(hdrs.truncated);
}

}  // namespace
}  // namespace mailroom::mail::detail
