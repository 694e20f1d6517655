#include "mail/mime/parser.hpp"

#include <gtest/gtest.h>

#include "mail/mime/crlf.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

using namespace std::string_literals;

std::string_view slice(const std::string& s, std::uint64_t off, std::uint64_t len) {
    return std::string_view(s).substr(off, len);
}

// Every part's ranges lie inside the message and its CRLF sizes match its bytes.
void check_ranges(const std::string& msg, const body_part& p) {
    ASSERT_LE(p.header_offset + p.header_length, msg.size());
    ASSERT_LE(p.body_offset + p.body_length, msg.size());
    EXPECT_EQ(p.header_offset + p.header_length, p.body_offset);
    EXPECT_EQ(p.header_size, crlf_size(slice(msg, p.header_offset, p.header_length)));
    EXPECT_EQ(p.body_size, crlf_size(slice(msg, p.body_offset, p.body_length)));
    for (const auto& c : p.children) check_ranges(msg, c);
}

TEST(mime_parser, multipart_mixed_tree_sizes_and_fields) {
    const auto& msg = samples::mixed;
    const auto m = parse_message(msg);
    check_ranges(msg, m.body);
    const auto& root = m.body;
    EXPECT_EQ(root.type, "multipart");
    EXPECT_EQ(root.subtype, "mixed");
    EXPECT_EQ(root.params, (std::vector<parameter>{{"boundary", "XYZ"}}));
    ASSERT_EQ(root.children.size(), 3u);
    EXPECT_EQ(root.header_size + root.body_size, crlf_size(msg));

    const auto& alt = root.children[0];
    EXPECT_EQ(alt.subtype, "alternative");
    ASSERT_EQ(alt.children.size(), 2u);
    const auto& text = alt.children[0];
    EXPECT_EQ(text.type, "TEXT");  // as written (Dovecot keeps the case too)
    EXPECT_EQ(text.subtype, "Plain");
    EXPECT_EQ(text.params, (std::vector<parameter>{{"charset", "utf-8"}}));
    EXPECT_EQ(text.encoding, "quoted-printable");
    // "caf=C3=A9 au lait=\n please": the LF before "--alt" belongs to the delimiter.
    EXPECT_EQ(slice(msg, text.body_offset, text.body_length), "caf=C3=A9 au lait=\n please");
    EXPECT_EQ(text.body_size, 27u);
    EXPECT_EQ(text.body_lines, 1u);
    const auto& html = alt.children[1];
    EXPECT_EQ(html.params, (std::vector<parameter>{{"charset", "us-ascii"}}));  // RFC 2045 §5.2 default, explicit
    EXPECT_EQ(slice(msg, html.body_offset, html.body_length), "<p>html</p>");
    // The alternative's body runs over its close delimiter and the LF after it
    // (its epilogue, as Dovecot counts it), up to the outer delimiter.
    EXPECT_EQ(slice(msg, alt.body_offset + alt.body_length - 8, 8), "--alt--\n");
    EXPECT_EQ(msg.substr(alt.body_offset + alt.body_length, 5), "--XYZ");

    const auto& pdf = root.children[1];
    EXPECT_EQ(pdf.type, "application");
    EXPECT_EQ(pdf.params, (std::vector<parameter>{{"name", "very long file.pdf"}}));  // RFC 2231 §3 continuation
    ASSERT_TRUE(pdf.disp);
    EXPECT_EQ(pdf.disp->type, "attachment");
    EXPECT_EQ(pdf.disp->params, (std::vector<parameter>{{"filename*", "utf-8''r%C3%A9sum%C3%A9.pdf"}}));
    EXPECT_EQ(pdf.encoding, "base64");
    EXPECT_EQ(pdf.body_size, 18u);  // "aGVsbG8gd29y\r\nbGQ="

    const auto& rfc822 = root.children[2];
    ASSERT_TRUE(rfc822.is_message());
    EXPECT_EQ(rfc822.embedded->subject, "inner");
    ASSERT_EQ(rfc822.embedded->from.size(), 1u);
    EXPECT_EQ(rfc822.embedded->from[0], (address{std::nullopt, std::nullopt, "x", "y.z"}));
    EXPECT_EQ(rfc822.embedded->sender, rfc822.embedded->from);
    EXPECT_EQ(rfc822.body_size, 41u);
    EXPECT_EQ(rfc822.body_lines, 3u);
    const auto& inner = rfc822.children[0];
    EXPECT_EQ(inner.header_offset, rfc822.body_offset);
    EXPECT_EQ(slice(msg, inner.body_offset, inner.body_length), "inner body");
    EXPECT_EQ(inner.params, (std::vector<parameter>{{"charset", "us-ascii"}}));
}

TEST(mime_parser, envelope_is_raw) {
    const auto m = parse_message(samples::mixed);
    EXPECT_EQ(m.env.date, "Mon, 7 Dec 2026 23:59:59 -0800");
    EXPECT_EQ(m.env.subject, "=?iso-8859-1?q?caf=E9?= now");  // RFC 9051: not decoded
    ASSERT_EQ(m.env.from.size(), 1u);
    EXPECT_EQ(m.env.from[0], (address{"Joe Q. Public", std::nullopt, "john.q.public", "example.com"}));
    EXPECT_EQ(m.env.sender, m.env.from);
    EXPECT_EQ(m.env.reply_to, m.env.from);
    ASSERT_EQ(m.env.to.size(), 2u);
    EXPECT_EQ(m.env.to[0], (address{"Mary Smith", std::nullopt, "mary", "x.test"}));
    EXPECT_EQ(m.env.to[1], (address{std::nullopt, std::nullopt, "jdoe", "one.test"}));
    EXPECT_TRUE(m.env.cc.empty());
    EXPECT_EQ(m.env.message_id, "<1234@local.machine.example>");
    EXPECT_FALSE(m.env.in_reply_to);
}

TEST(mime_parser, missing_content_type_defaults_to_text_plain_us_ascii) {
    const auto m = parse_message(samples::plain);
    EXPECT_EQ(m.body.type, "text");
    EXPECT_EQ(m.body.subtype, "plain");
    EXPECT_EQ(m.body.params, (std::vector<parameter>{{"charset", "us-ascii"}}));
    EXPECT_EQ(m.body.encoding, "7bit");
    EXPECT_EQ(m.body.body_size, 20u);
    EXPECT_EQ(m.body.body_lines, 2u);
    EXPECT_EQ(m.body.header_size, crlf_size(samples::plain) - 20);
}

TEST(mime_parser, invalid_content_type_is_the_default_too) {
    for (const auto* ct : {"text", ";;;", "/plain", ""}) {
        const auto m = parse_message("Content-Type: "s + ct + "\n\nx\n");
        EXPECT_EQ(m.body.type, "text") << ct;
        EXPECT_EQ(m.body.subtype, "plain") << ct;
    }
}

TEST(mime_parser, broken_multiparts_are_still_structures) {
    // No boundary parameter, no delimiter at all: one empty text/plain part (as Dovecot).
    for (const auto& msg : {"Content-Type: multipart/mixed\n\n--x\n\nhi\n--x--\n"s,
                            "Content-Type: multipart/mixed; boundary=zz\n\njust text\n"s}) {
        const auto m = parse_message(msg);
        ASSERT_TRUE(m.body.is_multipart()) << msg;
        ASSERT_EQ(m.body.children.size(), 1u);
        EXPECT_EQ(m.body.children[0].body_size, 0u);
        EXPECT_EQ(m.body.children[0].type, "text");
    }
    // No close delimiter: the last part runs to the end.
    const auto msg = "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\none\n--zz\n\ntwo\nmore\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    EXPECT_EQ(slice(msg, m.body.children[1].body_offset, m.body.children[1].body_length), "two\nmore\n");
    EXPECT_EQ(m.body.children[1].body_lines, 2u);
}

TEST(mime_parser, boundaries_innermost_first) {
    // Inside the inner "abc" multipart, "--abc" is its delimiter, not the outer "ab"'s.
    const auto msg =
        "Content-Type: multipart/mixed; boundary=ab\n\n--ab\nContent-Type: multipart/mixed; boundary=abc\n\n"
        "--abc\n\ninner\n--abc--\n--ab \t\n\nsecond\n--ab--  \n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    ASSERT_EQ(m.body.children[0].children.size(), 1u);
    EXPECT_EQ(slice(msg, m.body.children[0].children[0].body_offset, m.body.children[0].children[0].body_length),
              "inner");
    EXPECT_EQ(slice(msg, m.body.children[1].body_offset, m.body.children[1].body_length), "second");
}

TEST(mime_parser, a_boundary_prefix_is_a_delimiter) {
    // RFC 2046 §5.1.1: "sufficient that the boundary appear in its entirety following the CRLF".
    const auto msg = "Content-Type: multipart/mixed; boundary=b\n\n--b junk\n\none\n--bxyz\n\ntwo\n--b--tail\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    EXPECT_EQ(slice(msg, m.body.children[0].body_offset, m.body.children[0].body_length), "one");
    EXPECT_EQ(slice(msg, m.body.children[1].body_offset, m.body.children[1].body_length), "two");
}

TEST(mime_parser, an_outer_delimiter_ends_the_inner_parts) {
    const auto msg =
        "Content-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: multipart/alternative; boundary=in\n\n"
        "--in\n\nunclosed\n--out\n\nsecond\n--out--\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    ASSERT_EQ(m.body.children[0].children.size(), 1u);
    EXPECT_EQ(slice(msg, m.body.children[0].children[0].body_offset, m.body.children[0].children[0].body_length),
              "unclosed");
    EXPECT_EQ(slice(msg, m.body.children[1].body_offset, m.body.children[1].body_length), "second");
}

TEST(mime_parser, a_part_ending_at_a_blank_line_has_an_empty_header) {
    // The blank line's LF is the delimiter's: the first part is empty, header included.
    const auto msg = "Content-Type: multipart/mixed; boundary=ab\n\n--ab\n\n--ab\n\n\n--ab--\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    EXPECT_EQ(m.body.children[0].header_length, 0u);
    EXPECT_EQ(m.body.children[1].header_length, 1u);
    EXPECT_EQ(m.body.children[1].body_length, 0u);
}

TEST(mime_parser, digest_parts_default_to_message_rfc822) {
    const auto msg =
        "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: d1\n\nbody1\n--d\nContent-Type: text/plain\n\n"
        "x\n--d--\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 2u);
    EXPECT_TRUE(m.body.children[0].is_message());
    EXPECT_EQ(m.body.children[0].embedded->subject, "d1");
    EXPECT_FALSE(m.body.children[1].is_message());
}

TEST(mime_parser, message_rfc822_always_has_envelope_and_body) {
    // RFC 9051 body-type-msg: even base64-encoded, as Dovecot parses it.
    const auto msg =
        "Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: message/rfc822\n"
        "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogeA0KDQp5DQo=\n--zz--\n"s;
    const auto m = parse_message(msg);
    ASSERT_EQ(m.body.children.size(), 1u);
    EXPECT_TRUE(m.body.children[0].is_message());
    const auto f = parse_message(samples::forwarded);
    ASSERT_TRUE(f.body.is_message());
    EXPECT_EQ(f.body.embedded->subject, "inner");
    ASSERT_TRUE(f.body.children[0].is_multipart());
    EXPECT_EQ(f.body.children[0].children.size(), 2u);
}

TEST(mime_parser, content_fields) {
    const auto m = parse_message(
        "Content-Type: text/plain; format=flowed\nContent-Language: en, de\nContent-Location: http://x/y\n"
        "Content-ID: <id@x>\nContent-Description: desc\nContent-MD5: abc==\nContent-Disposition: inline\n"
        "Content-Transfer-Encoding: 8bit (comment)\n\nx\n");
    EXPECT_EQ(m.body.params, (std::vector<parameter>{{"format", "flowed"}, {"charset", "us-ascii"}}));
    EXPECT_EQ(m.body.language, (std::vector<std::string>{"en", "de"}));
    EXPECT_EQ(m.body.location, "http://x/y");
    EXPECT_EQ(m.body.id, "<id@x>");
    EXPECT_EQ(m.body.description, "desc");
    EXPECT_EQ(m.body.md5, "abc==");
    ASSERT_TRUE(m.body.disp);
    EXPECT_EQ(m.body.disp->type, "inline");
    EXPECT_EQ(m.body.encoding, "8bit");
}

TEST(mime_parser, non_ascii_parameter_goes_out_rfc2231_encoded) {
    const auto m = parse_message("Content-Type: text/plain; name*=iso-8859-1''caf%E9.txt\n\nx\n");
    ASSERT_EQ(m.body.params.size(), 2u);
    EXPECT_EQ(m.body.params[0], (parameter{"name*", "utf-8''caf%C3%A9.txt"}));
}

TEST(mime_parser, eight_bit_and_nul_bytes) {
    const auto msg = "Subject: nul \0 here\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9 \0 nul\n"s;
    const auto m = parse_message(msg);
    EXPECT_EQ(m.env.subject, "nul \xEF\xBF\xBD here");  // no IMAP string holds NUL
    EXPECT_EQ(m.body.body_size, 12u);
    EXPECT_EQ(m.body.body_lines, 1u);
}

TEST(mime_parser, header_only_and_body_only_messages) {
    const auto a = parse_message("Subject: only header\nFrom: a@b");
    EXPECT_EQ(a.body.header_length, 30u);
    EXPECT_EQ(a.body.body_length, 0u);
    EXPECT_EQ(a.env.subject, "only header");
    const auto b = parse_message("\nbody\n");
    EXPECT_EQ(b.body.header_length, 1u);
    EXPECT_EQ(b.body.body_size, 6u);
    EXPECT_FALSE(b.env.subject);
    const auto c = parse_message("");
    EXPECT_EQ(c.body.header_size + c.body.body_size, 0u);
}

TEST(mime_parser, huge_header_is_parsed_in_linear_time) {
    std::string msg;
    for (int i = 0; i < 100'000; ++i) msg += "X-Filler-" + std::to_string(i) + ": some value\n";
    msg += "Subject: last\n\nbody\n";
    const auto m = parse_message(msg);
    EXPECT_EQ(m.env.subject, "last");
    EXPECT_EQ(m.body.body_size, 6u);
}

TEST(mime_parser, nesting_and_part_count_are_bounded) {
    std::string msg;
    for (int i = 0; i < 200; ++i)
        msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" + std::to_string(i) + "\n";
    msg += "\nleaf\n";
    const auto m = parse_message(msg, parse_limits{10, 10'000});
    unsigned depth = 0;
    const body_part* p = &m.body;
    while (p->is_multipart()) {
        p = &p->children[0];
        ++depth;
    }
    EXPECT_EQ(depth, 10u);
    EXPECT_EQ(p->type, "application");  // the one too deep is opaque

    std::string many = "Content-Type: multipart/mixed; boundary=b\n\n";
    for (int i = 0; i < 100; ++i) many += "--b\n\nx\n";
    const auto n = parse_message(many, parse_limits{40, 20});
    EXPECT_LT(n.body.children.size(), 20u);
}

}  // namespace
}  // namespace mailroom::mime
