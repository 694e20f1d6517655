#include "proto/imap/structure_render.hpp"

#include <gtest/gtest.h>

#include "mail/mime/parser.hpp"
#include "sample_messages.hpp"

namespace mailroom::imap {
namespace {

using namespace std::string_literals;

std::string bodystructure(const std::string& msg, bool extensible = true) {
    std::string out;
    response_writer w(out);
    render_body(w, mime::parse_message(msg).body, extensible);
    return out;
}

std::string envelope(const std::string& msg) {
    std::string out;
    response_writer w(out);
    render_envelope(w, mime::parse_message(msg).env);
    return out;
}

// Expected strings: RFC 9051 §9 grammar, checked byte for byte against
// Dovecot 2.3's answers for the same messages (compare_dovecot.py does it for messages/).
TEST(imap_structure_render, bodystructure_of_multipart_mixed) {
    EXPECT_EQ(bodystructure(mime::samples::mixed),
              "(((\"TEXT\" \"Plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 27 1 NIL NIL NIL NIL)"
              "(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0 NIL NIL NIL NIL) \"alternative\" "
              "(\"boundary\" \"alt\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"very long file.pdf\") NIL NIL "
              "\"base64\" 18 NIL (\"attachment\" (\"filename*\" \"utf-8''r%C3%A9sum%C3%A9.pdf\")) NIL NIL)"
              "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 41 (NIL \"inner\" ((NIL NIL \"x\" \"y.z\")) "
              "((NIL NIL \"x\" \"y.z\")) ((NIL NIL \"x\" \"y.z\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" "
              "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) \"mixed\" "
              "(\"boundary\" \"XYZ\") NIL NIL NIL)");
}

TEST(imap_structure_render, body_has_no_extension_data) {
    EXPECT_EQ(bodystructure(mime::samples::forwarded, false),
              "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 121 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)(\"text\" \"html\" "
              "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 0) \"alternative\") 11)");
}

TEST(imap_structure_render, every_extension_field) {
    EXPECT_EQ(bodystructure("Content-Type: text/plain\nContent-Language: en, de\nContent-Location: http://x/y\n"
                            "Content-ID: <id@x>\nContent-Description: desc\nContent-MD5: abc==\n"
                            "Content-Disposition: inline\n\nx\n"),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") \"<id@x>\" \"desc\" \"7bit\" 3 1 \"abc==\" "
              "(\"inline\" NIL) (\"en\" \"de\") \"http://x/y\")");
    EXPECT_EQ(bodystructure("Content-Type: image/png\nContent-Language: fr\n\nx"),
              "(\"image\" \"png\" NIL NIL NIL \"7bit\" 1 NIL NIL (\"fr\") NIL)");
}

TEST(imap_structure_render, envelope_with_groups_and_defaults) {
    EXPECT_EQ(envelope(mime::samples::mixed),
              "(\"Mon, 7 Dec 2026 23:59:59 -0800\" \"=?iso-8859-1?q?caf=E9?= now\" "
              "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
              "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
              "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
              "((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"one.test\")) NIL NIL NIL "
              "\"<1234@local.machine.example>\")");
    EXPECT_EQ(envelope("To: A Group:Ed <c@a.test>;\nCc: undisclosed-recipients:;\n\n"),
              "(NIL NIL NIL NIL NIL ((NIL NIL \"A Group\" NIL)(\"Ed\" NIL \"c\" \"a.test\")(NIL NIL NIL NIL)) "
              "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)");
    EXPECT_EQ(envelope(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(imap_structure_render, eight_bit_strings_become_literals) {
    EXPECT_EQ(envelope("Subject: caf\xc3\xa9\n\n"), "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelope("Subject: a \"quoted\" \\ word\n\n"),
              "(NIL \"a \\\"quoted\\\" \\\\ word\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

}  // namespace
}  // namespace mailroom::imap
