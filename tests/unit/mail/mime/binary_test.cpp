#include "mail/mime/binary.hpp"

#include <gtest/gtest.h>

#include "mail/mime/parser.hpp"
#include "mail/mime/section.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

using namespace std::string_literals;

const body_part& part(const message_structure& m, std::vector<std::uint32_t> n) {
    const auto* p = find_part(m.body, n);
    EXPECT_NE(p, nullptr);
    return *p;
}

// Expected values are Dovecot 2.3's BINARY[] / BINARY.SIZE[] for the same message.
TEST(mime_binary, base64_and_quoted_printable) {
    const auto& msg = samples::mixed;
    const auto m = parse_message(msg);
    const auto pdf = decode_binary(msg, part(m, {2}));
    EXPECT_FALSE(pdf.unknown_cte);
    EXPECT_EQ(pdf.bytes, "hello world");
    EXPECT_EQ(binary_size(msg, part(m, {2})).size, 11u);
    // Soft line break "=\r\n" removed, =C3=A9 decoded.
    EXPECT_EQ(decode_binary(msg, part(m, {1, 1})).bytes, "caf\xC3\xA9 au lait please");
    EXPECT_EQ(binary_size(msg, part(m, {1, 1})).size, 20u);
}

TEST(mime_binary, identity_is_the_crlf_form) {
    const auto& msg = samples::plain;
    const auto m = parse_message(msg);
    EXPECT_EQ(decode_binary(msg, m.body).bytes, "line one\r\nline two\r\n");
    EXPECT_EQ(binary_size(msg, m.body).size, 20u);
}

TEST(mime_binary, qp_hard_line_breaks_become_crlf_and_nul_survives) {
    const auto msg = "Content-Transfer-Encoding: Quoted-Printable\n\na=00b\nc=3D\n"s;
    const auto m = parse_message(msg);
    EXPECT_EQ(decode_binary(msg, m.body).bytes, "a\0b\r\nc=\r\n"s);
    const auto b64 = "Content-Transfer-Encoding: BASE64\n\nAP8A\n"s;  // 00 FF 00
    EXPECT_EQ(decode_binary(b64, parse_message(b64).body).bytes, "\0\xff\0"s);
}

TEST(mime_binary, unknown_encoding_is_reported) {
    const auto msg = "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n"s;
    const auto m = parse_message(msg);
    EXPECT_TRUE(decode_binary(msg, m.body).unknown_cte);  // RFC 3516 §4.3 [UNKNOWN-CTE]
    EXPECT_TRUE(binary_size(msg, m.body).unknown_cte);
}

TEST(mime_binary, large_base64_is_decoded_whole) {
    std::string body;
    for (int i = 0; i < 20'000; ++i) body += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n";  // 26 letters each
    const auto msg = "Content-Transfer-Encoding: base64\n\n" + body;
    const auto d = decode_binary(msg, parse_message(msg).body);
    // A padded group mid-stream ends nothing for GMime: every line decodes.
    EXPECT_EQ(d.bytes.size() % 26, 0u);
    EXPECT_EQ(d.bytes.substr(0, 26), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

}  // namespace
}  // namespace mailroom::mime
