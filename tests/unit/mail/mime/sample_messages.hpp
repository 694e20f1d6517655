// Real-world-shaped stored messages (LF line ends) shared by the mime tests.
#pragma once

#include <string>

namespace mailroom::mime::samples {

// multipart/mixed: an alternative (plain + html), a base64 attachment with
// an RFC 2231 continued name, a nested message/rfc822.
inline const std::string mixed =
    "Date: Mon, 7 Dec 2026 23:59:59 -0800\n"
    "From: \"Joe Q. Public\" <john.q.public@example.com>\n"
    "To: Mary Smith <mary@x.test>, jdoe@one.test\n"
    "Subject: =?iso-8859-1?q?caf=E9?= now\n"
    "Message-ID: <1234@local.machine.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
    "\n"
    "preamble\n"
    "--XYZ\n"
    "Content-Type: multipart/alternative; boundary=alt\n"
    "\n"
    "--alt\n"
    "Content-Type: TEXT/Plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=C3=A9 au lait=\n"
    " please\n"
    "--alt\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html</p>\n"
    "--alt--\n"
    "--XYZ\n"
    "Content-Type: application/pdf; name*0=\"very long \";\n"
    " name*1=\"file.pdf\"\n"
    "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "aGVsbG8gd29y\n"
    "bGQ=\n"
    "--XYZ\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "From: x@y.z\n"
    "\n"
    "inner body\n"
    "--XYZ--\n"
    "epilogue\n";

// No MIME at all.
inline const std::string plain =
    "From: a@b.test\n"
    "Subject: hello\n"
    "X-Long: first\n"
    "  continued\n"
    "\n"
    "line one\n"
    "line two\n";

// message/rfc822 whose message is multipart.
inline const std::string forwarded =
    "Subject: fwd\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=q\n"
    "\n"
    "--q\n"
    "\n"
    "a\n"
    "--q\n"
    "Content-Type: text/html\n"
    "\n"
    "<b>\n"
    "--q--\n";

}  // namespace mailroom::mime::samples
