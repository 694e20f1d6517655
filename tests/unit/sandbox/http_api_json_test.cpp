// sandbox::message_facts, summary_json, detail_json, leaf_part: the dev API's
// rendering of a stored message (LF line ends, as the store keeps it).
#include "sandbox/http_api_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "mail/mime/parser.hpp"

namespace mailroom::sandbox {
namespace {

const std::string multipart =
    "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\n"
    "To: bob@example.net\n"
    "Cc: carol@example.net\n"
    "Subject: =?utf-8?b?UmVwb3J0IMOc?=\n"
    "Date: Mon, 07 Dec 2026 09:00:00 +0100\n"
    "X-Long: first\n"
    "  second\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: multipart/alternative; boundary=\"b2\"\n"
    "\n"
    "--b2\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Gr=FC=DFe\n"
    "--b2\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Hello <img src=\"http://remote/x.png\"></p>\n"
    "--b2--\n"
    "--b1\n"
    "Content-Type: application/pdf; name=\"r.pdf\"\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0x\n"
    "--b1--\n";

TEST(DevApiJson, FactsDecodeHeadersAndText) {
    auto m = mime::parse_message(multipart);
    auto f = message_facts(multipart, m, 1 << 20);
    EXPECT_EQ(f.from, "Jürgen <j@example.org>");
    EXPECT_EQ(f.to, "bob@example.net, carol@example.net");
    EXPECT_EQ(f.subject, "Report Ü");
    EXPECT_EQ(f.date, (mime::civil_date{2026, 12, 7}));
    EXPECT_NE(f.text.find("Grüße"), std::string::npos);
    EXPECT_NE(f.text.find("<p>Hello"), std::string::npos);
    auto small = message_facts(multipart, m, 3);
    EXPECT_LE(small.text.size(), 3u);
}

TEST(DevApiJson, SummaryFields) {
    auto m = mime::parse_message(multipart);
    auto o = summary_json("m1", "bob@example.net", 1234, multipart, message_facts(multipart, m, 0));
    EXPECT_EQ(
        boost::json::serialize(o),
        R"({"id":"m1","mailbox":"bob@example.net","size":1234,"from":"Jürgen <j@example.org>",)"
        R"("to":"bob@example.net, carol@example.net","subject":"Report Ü","date":"Mon, 07 Dec 2026 09:00:00 +0100"})");
}

TEST(DevApiJson, DetailHasHeadersTextHtmlAndParts) {
    auto m = mime::parse_message(multipart);
    auto o = detail_json("m1", "bob", multipart, m);
    auto& headers = o.at("headers").as_array();
    ASSERT_EQ(headers.size(), 8u);
    EXPECT_EQ(headers[0].at("name"), "From");
    EXPECT_EQ(headers[0].at("value"), "Jürgen <j@example.org>");
    EXPECT_EQ(headers[5].at("name"), "X-Long");
    EXPECT_EQ(headers[5].at("value"), "first  second");  // RFC 5322 §2.2.3: the WSP stays
    // RFC 2046 §5.1.1: the line break before a boundary belongs to the boundary.
    EXPECT_EQ(o.at("text"), "Grüße");
    EXPECT_EQ(o.at("html"), "<p>Hello <img src=\"http://remote/x.png\"></p>");
    EXPECT_EQ(o.at("text_truncated"), false);
    auto& parts = o.at("parts").as_array();
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].at("content_type"), "text/plain; charset=iso-8859-1");
    EXPECT_EQ(parts[0].at("attachment"), false);
    EXPECT_EQ(parts[1].at("content_type"), "text/html; charset=utf-8");
    EXPECT_EQ(parts[2].at("part"), 3);
    EXPECT_EQ(parts[2].at("content_type"), "application/pdf");
    EXPECT_EQ(parts[2].at("filename"), "report.pdf");
    EXPECT_EQ(parts[2].at("size"), 6);  // "%PDF-1" decoded
    EXPECT_EQ(parts[2].at("attachment"), true);
}

TEST(DevApiJson, DetailBoundsTexts) {
    std::string big = "Subject: big\n\n" + std::string(5000, 'a') + "\n";
    auto m = mime::parse_message(big);
    render_limits lim;
    lim.max_text_bytes = 100;
    auto o = detail_json("m", "x", big, m, lim);
    EXPECT_EQ(o.at("text").as_string().size(), 100u);
    EXPECT_EQ(o.at("text_truncated"), true);
    EXPECT_TRUE(o.at("html").is_null());
    EXPECT_TRUE(o.at("date").is_null());
}

TEST(DevApiJson, TruncationKeepsUtf8Whole) {
    std::string msg = "Content-Type: text/plain; charset=utf-8\n\n" + std::string(99, 'a') + "é\n";
    auto m = mime::parse_message(msg);
    render_limits lim;
    lim.max_text_bytes = 100;  // would cut é in half
    auto o = detail_json("m", "x", msg, m, lim);
    EXPECT_EQ(o.at("text").as_string(), std::string(99, 'a'));
}

TEST(DevApiJson, LeafPartsNumberedDepthFirst) {
    auto m = mime::parse_message(multipart);
    ASSERT_NE(leaf_part(m, 1), nullptr);
    EXPECT_EQ(leaf_part(m, 1)->subtype, "plain");
    EXPECT_EQ(leaf_part(m, 2)->subtype, "html");
    EXPECT_EQ(leaf_part(m, 3)->subtype, "pdf");
    EXPECT_EQ(leaf_part(m, 0), nullptr);
    EXPECT_EQ(leaf_part(m, 4), nullptr);
}

TEST(DevApiJson, ContentTypeNeverCarriesHeaderBreaks) {
    mime::body_part p;
    p.type = "Text";
    p.subtype = "HTML";
    p.params = {{"charset", "UTF-8"}};
    EXPECT_EQ(part_content_type(p), "text/html; charset=utf-8");
    p.params = {{"charset", "x\r\nSet-Cookie: a=b"}};
    EXPECT_EQ(part_content_type(p), "text/html");
    p.subtype = "html\r\nX: y";
    EXPECT_EQ(part_content_type(p), "application/octet-stream");
}

TEST(DevApiJson, InvalidUtf8BecomesReplacementCharacters) {
    // Raw 8-bit header names and filenames must not make the JSON unparseable.
    std::string msg =
        "X-\xff\xfe: v\xc3\n"
        "Content-Type: application/octet-stream; name=\"a\xe9.bin\"\n\nxx\n";
    auto m = mime::parse_message(msg);
    auto o = detail_json("\xff", "box\xc0", msg, m);
    auto text = boost::json::serialize(o);
    auto back = boost::json::parse(text);
    EXPECT_EQ(back.at("headers").at(0).at("name"), "X-\uFFFD\uFFFD");
    EXPECT_EQ(back.at("id"), "\uFFFD");
    EXPECT_EQ(back.at("headers").at(0).at("value"), "v\u00C3");  // decode_header_text: 8-bit as Latin-1
    EXPECT_EQ(back.at("parts").as_array().size(), 1u);
}

TEST(DevApiJson, ErrorBody) {
    EXPECT_EQ(error_json("no \"such\" message"), R"({"error":"no \"such\" message"})");
    EXPECT_EQ(boost::json::parse(error_json("x")).at("error"), "x");
}

}  // namespace
}  // namespace mailroom::sandbox
