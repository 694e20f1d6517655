#include "mail/mime/section.hpp"

#include <gtest/gtest.h>

#include "mail/mime/parser.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

using st = section_text;

// The bytes for `spec`, checking that the announced size is what is sent.
std::optional<std::string> fetch(const std::string& msg, section_spec spec) {
    const auto m = parse_message(msg);
    const auto loc = locate_section(m, msg, spec);
    if (!loc) return std::nullopt;
    auto bytes = section_bytes(msg, *loc);
    EXPECT_EQ(loc->size, bytes.size());
    return bytes;
}

// Expected strings are Dovecot 2.3's answers for the same messages.
TEST(mime_section, top_level_forms) {
    const auto& msg = samples::plain;
    EXPECT_EQ(fetch(msg, {}),
              "From: a@b.test\r\nSubject: hello\r\nX-Long: first\r\n  continued\r\n\r\nline one\r\nline two\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header, {}}),
              "From: a@b.test\r\nSubject: hello\r\nX-Long: first\r\n  continued\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::text, {}}), "line one\r\nline two\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header_fields, {"x-long"}}), "X-Long: first\r\n  continued\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header_fields, {"SUBJECT", "from"}}), "From: a@b.test\r\nSubject: hello\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header_fields_not, {"x-long", "FROM"}}), "Subject: hello\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header_fields, {"nonexistent"}}), "\r\n");
    // Part 1 of a non-multipart message is its body; its MIME header is the message header.
    EXPECT_EQ(fetch(msg, {{1}, st::none, {}}), "line one\r\nline two\r\n");
    EXPECT_EQ(fetch(msg, {{1}, st::mime, {}}),
              "From: a@b.test\r\nSubject: hello\r\nX-Long: first\r\n  continued\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{2}, st::none, {}}), std::nullopt);
    EXPECT_EQ(fetch(msg, {{1, 1}, st::none, {}}), std::nullopt);
    EXPECT_EQ(fetch(msg, {{}, st::mime, {}}), std::nullopt);  // MIME needs a part number
}

TEST(mime_section, multipart_parts) {
    const auto& msg = samples::mixed;
    EXPECT_EQ(fetch(msg, {{1, 1}, st::none, {}}), "caf=C3=A9 au lait=\r\n please");
    EXPECT_EQ(fetch(msg, {{1, 1}, st::mime, {}}),
              "Content-Type: TEXT/Plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{1, 2}, st::none, {}}), "<p>html</p>");
    EXPECT_EQ(fetch(msg, {{2}, st::none, {}}), "aGVsbG8gd29y\r\nbGQ=");
    EXPECT_EQ(fetch(msg, {{2}, st::header, {}}), std::nullopt);             // not a message/rfc822 part
    EXPECT_EQ(fetch(msg, {{2, 1}, st::none, {}}), "aGVsbG8gd29y\r\nbGQ=");  // ".1" of a leaf part is the part (Dovecot)
    EXPECT_EQ(fetch(msg, {{2, 2}, st::none, {}}), std::nullopt);
    EXPECT_EQ(fetch(msg, {{4}, st::none, {}}), std::nullopt);
    EXPECT_EQ(fetch(msg, {{0}, st::none, {}}), std::nullopt);
    EXPECT_EQ(fetch(msg, {{1}, st::none, {}})->substr(0, 7), "--alt\r\n");
}

TEST(mime_section, message_rfc822_nesting) {
    const auto& msg = samples::mixed;
    EXPECT_EQ(fetch(msg, {{3}, st::none, {}}), "Subject: inner\r\nFrom: x@y.z\r\n\r\ninner body");
    EXPECT_EQ(fetch(msg, {{3}, st::mime, {}}), "Content-Type: message/rfc822\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{3}, st::header, {}}), "Subject: inner\r\nFrom: x@y.z\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{3}, st::text, {}}), "inner body");
    EXPECT_EQ(fetch(msg, {{3}, st::header_fields, {"from"}}), "From: x@y.z\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{3, 1}, st::none, {}}), "inner body");
    EXPECT_EQ(fetch(msg, {{3, 1}, st::mime, {}}), "Subject: inner\r\nFrom: x@y.z\r\n\r\n");

    const auto& fwd = samples::forwarded;
    EXPECT_EQ(fetch(fwd, {{1, 2}, st::none, {}}), "<b>");
    EXPECT_EQ(fetch(fwd, {{1, 1}, st::mime, {}}), "\r\n");
    EXPECT_EQ(fetch(fwd, {{1}, st::text, {}}),
              "--q\r\n\r\na\r\n--q\r\nContent-Type: text/html\r\n\r\n<b>\r\n--q--\r\n");
    EXPECT_EQ(fetch(fwd, {{2}, st::none, {}}), std::nullopt);
}

TEST(mime_section, ranges_point_into_the_stored_file) {
    const auto& msg = samples::plain;
    const auto m = parse_message(msg);
    const auto loc = locate_section(m, msg, {{}, st::header_fields, {"from", "x-long"}});
    ASSERT_TRUE(loc);
    // From is the first field, X-Long the third: two ranges, then the blank line.
    ASSERT_EQ(loc->ranges.size(), 2u);
    EXPECT_EQ(loc->ranges[0], (byte_range{0, 15}));
    EXPECT_EQ(msg.substr(loc->ranges[1].offset, loc->ranges[1].length), "X-Long: first\n  continued\n");
    EXPECT_TRUE(loc->blank_line);
    // Adjacent fields merge into one range.
    const auto both = locate_section(m, msg, {{}, st::header_fields, {"from", "subject"}});
    ASSERT_EQ(both->ranges.size(), 1u);
    // The structure alone answers everything but HEADER.FIELDS.
    const auto text = locate_section(m, {}, {{}, st::text, {}});
    EXPECT_EQ(text->size, 20u);
}

TEST(mime_section, nul_is_sent_as_0x80) {
    using namespace std::string_literals;
    const auto msg = "Subject: a\0b\n\nc\0d\n"s;
    EXPECT_EQ(fetch(msg, {}),
              "Subject: a\x80"
              "b\r\n\r\nc\x80"
              "d\r\n");
}

TEST(mime_section, header_without_blank_line) {
    const std::string msg = "Subject: s\nFrom: a@b";
    EXPECT_EQ(fetch(msg, {{}, st::header, {}}), "Subject: s\r\nFrom: a@b");
    // Dovecot: the closing CRLF ends the cut-off last field; no blank line is made up.
    EXPECT_EQ(fetch(msg, {{}, st::header_fields, {"from"}}), "From: a@b\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::header_fields, {"subject"}}), "Subject: s\r\n\r\n");
    EXPECT_EQ(fetch(msg + "\n", {{}, st::header_fields, {"x"}}), "\r\n");
    // .NOT keeps the header's own blank line, and makes none up.
    EXPECT_EQ(fetch(msg, {{}, st::header_fields_not, {"from", "subject"}}), "");
    EXPECT_EQ(fetch(msg + "\n", {{}, st::header_fields_not, {"subject"}}), "From: a@b\r\n");
    EXPECT_EQ(fetch(msg + "\n\n", {{}, st::header_fields_not, {"subject"}}), "From: a@b\r\n\r\n");
    EXPECT_EQ(fetch(msg, {{}, st::text, {}}), "");
}

// Every section of every part of every sample: size equals the bytes sent.
TEST(mime_section, sizes_always_match_bytes) {
    for (const auto* msg : {&samples::mixed, &samples::plain, &samples::forwarded}) {
        for (std::uint32_t a = 0; a <= 4; ++a)
            for (std::uint32_t b = 0; b <= 3; ++b)
                for (auto t : {st::none, st::header, st::text, st::mime, st::header_fields, st::header_fields_not}) {
                    section_spec spec{{}, t, {"subject", "content-type"}};
                    if (a > 0) spec.part.push_back(a);
                    if (b > 0) spec.part.push_back(b);
                    (void)fetch(*msg, spec);
                }
    }
}

}  // namespace
}  // namespace mailroom::mime
