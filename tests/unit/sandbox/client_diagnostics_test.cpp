// sandbox::client_diagnostics: each finding from a dialogue that shows it,
// and none from a well-behaved client.
#include "sandbox/client_diagnostics.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mailroom::sandbox {
namespace {

std::vector<std::string> codes(client_diagnostics& d) {
    std::vector<std::string> out;
    for (const auto& f : d.take()) out.push_back(f.code);
    std::sort(out.begin(), out.end());
    return out;
}

using v = std::vector<std::string>;

TEST(ClientDiagnostics, FirstJavaPop3ClientGetsAllThreeFindings) {
    // println line ends; the greeting taken as USER's reply, so PASS goes
    // before USER's reply; the password base64-encoded ("secret").
    client_diagnostics d("pop3", false);
    d.server_bytes("+OK mailroom ready\r\n", 0);
    d.client_bytes("USER bob\n", 1);
    d.client_bytes("PASS c2VjcmV0\n", 2);
    d.server_bytes("+OK\r\n", 3);
    d.server_bytes("+OK logged in\r\n", 4);
    d.client_bytes("QUIT\n", 5);
    d.server_bytes("+OK bye\r\n", 6);
    d.session_ended(7);
    EXPECT_EQ(codes(d), (v{"bare_lf", "base64_password", "pipelining", "plaintext_login"}));
}

TEST(ClientDiagnostics, WellBehavedPop3ClientOverTlsHasNone) {
    client_diagnostics d("pop3", true);
    d.server_bytes("+OK ready\r\n", 0);
    d.client_bytes("USER bob\r\n", 1);
    d.server_bytes("+OK\r\n", 2);
    d.client_bytes("PASS Password1\r\n", 3);
    d.server_bytes("+OK\r\n", 4);
    d.client_bytes("RETR 1\r\n", 5);
    d.server_bytes("+OK 3 octets\r\nPIPELINING\r\n.\r\n", 6);
    d.client_bytes("QUIT\r\n", 7);
    d.session_ended(8);
    EXPECT_EQ(codes(d), v{});
}

TEST(ClientDiagnostics, Pop3EarlyUnknownWrongStateMissingQuit) {
    client_diagnostics d("pop3", true);
    d.client_bytes("CAPA\r\n", 0);
    d.server_bytes("+OK ready\r\n", 1);
    d.server_bytes("+OK\r\n.\r\n", 2);
    d.client_bytes("XYZZY\r\n", 3);
    d.server_bytes("-ERR\r\n", 4);
    d.client_bytes("STAT\r\n", 5);
    d.server_bytes("-ERR\r\n", 6);
    d.session_ended(7);
    EXPECT_EQ(codes(d), (v{"early_command", "missing_quit", "unknown_command", "wrong_state"}));
}

TEST(ClientDiagnostics, Pop3PipeliningAllowedWhenOffered) {
    client_diagnostics d("pop3", true);
    d.server_bytes("+OK ready\r\n", 0);
    d.client_bytes("CAPA\r\n", 1);
    d.server_bytes("+OK\r\nPIPELINING\r\n.\r\n", 2);
    d.client_bytes("USER a\r\nPASS b\r\n", 3);
    EXPECT_EQ(codes(d), v{});
}

TEST(ClientDiagnostics, SmtpPipeliningDataAndAuth) {
    client_diagnostics plain("smtp", false);
    plain.server_bytes("220 hi\r\n", 0);
    plain.client_bytes("EHLO x\r\n", 1);
    plain.server_bytes("250-hi\r\n250 AUTH PLAIN LOGIN\r\n", 2);
    plain.client_bytes("AUTH LOGIN\r\n", 3);
    plain.server_bytes("334 VXNlcm5hbWU6\r\n", 4);
    plain.client_bytes("Ym9i\r\n", 5);
    plain.server_bytes("334 UGFzc3dvcmQ6\r\n", 6);
    plain.client_bytes("c2VjcmV0\r\n", 7);
    plain.server_bytes("235 ok\r\n", 8);
    plain.client_bytes("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", 9);
    EXPECT_EQ(codes(plain), (v{"pipelining", "plaintext_login"}));

    client_diagnostics offered("smtp", true);
    offered.server_bytes("220 hi\r\n", 0);
    offered.client_bytes("EHLO x\r\n", 1);
    offered.server_bytes("250-hi\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 2);
    offered.client_bytes("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", 3);
    offered.server_bytes("250 ok\r\n250 ok\r\n354 go\r\n", 4);
    offered.client_bytes("Subject: x\n\nbody line\r\nXYZZY\r\n.\r\n", 5);  // data lines are not commands
    offered.server_bytes("250 queued\r\n", 6);
    offered.client_bytes("BOGUS\r\n", 7);
    offered.server_bytes("500 unknown\r\n", 8);
    offered.client_bytes("QUIT\r\n", 9);
    offered.session_ended(10);
    EXPECT_EQ(codes(offered), (v{"bare_lf", "unknown_command"}));
}

TEST(ClientDiagnostics, ImapLoginLiteralsAndState) {
    client_diagnostics d("imap", false);
    d.server_bytes("* OK ready\r\n", 0);
    d.client_bytes("a1 LOGIN bob \"c2VjcmV0\"\r\n", 1);
    d.server_bytes("a1 OK\r\n", 2);
    d.client_bytes("a2 FETCH 1 BODY[]\r\n", 3);
    d.server_bytes("a2 BAD no mailbox\r\n", 4);
    d.client_bytes("a3 APPEND INBOX {12}\r\n", 5);
    d.server_bytes("+ go\r\n", 6);
    d.client_bytes("FROBNICATE\r\n", 7);  // the literal's 11 octets, not a command
    d.client_bytes("\r\n", 8);
    d.server_bytes("a3 OK\r\n", 9);
    d.client_bytes("a4 LOGOUT\r\n", 10);
    d.session_ended(11);
    EXPECT_EQ(codes(d), (v{"base64_password", "plaintext_login", "wrong_state"}));

    client_diagnostics u("imap", true);
    u.server_bytes("* OK ready\r\n", 0);
    u.client_bytes("a1 XLOGIN\r\n", 1);
    u.session_ended(2);
    auto f = u.take();
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].code, "unknown_command");
    EXPECT_EQ(f[0].entry, 1u);
    EXPECT_EQ(f[1].rfc, "RFC 9051 §6.1.3");
}

TEST(ClientDiagnostics, LongLinesStayBounded) {
    client_diagnostics d("smtp", true);
    d.server_bytes("220 hi\r\n", 0);
    std::string huge(100'000, 'A');
    d.client_bytes(huge, 1);
    d.client_bytes(huge + "\r\n", 2);
    EXPECT_EQ(codes(d), v{});  // one long unknown line: no crash, judged by the server's reply
}

}  // namespace
}  // namespace mailroom::sandbox
