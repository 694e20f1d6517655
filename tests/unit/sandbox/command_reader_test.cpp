// sandbox::command_reader: where each SMTP, POP3 and IMAP command ends, what
// is skipped (DATA bodies, BDAT chunks, literals, SASL and IDLE lines).
#include "sandbox/command_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sandbox/base64.hpp"

namespace mailroom::sandbox {
namespace {

std::vector<std::string> verbs(const std::vector<client_step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.consult ? s.verb : "(" + s.verb + ")");
    return out;
}

using list = std::vector<std::string>;

TEST(CommandReader, SmtpSkipsTheDataBodyAndEndsDataAtTheDot) {
    command_reader r("smtp");
    EXPECT_EQ(verbs(r.client_bytes("ehlo x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")),
              (list{"EHLO", "MAIL", "RCPT", "(DATA)"}));
    r.server_bytes("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    // A body line that looks like a command, a dot-stuffed line, the end split across reads.
    EXPECT_TRUE(r.client_bytes("Subject: x\r\n\r\nQUIT\r\n..not the end\r\n.").empty());
    EXPECT_EQ(verbs(r.client_bytes("\r\nQUIT\r\n")), (list{"DATA", "QUIT"}));
}

TEST(CommandReader, SmtpRejectedDataHasNoBody) {
    command_reader r("smtp");
    EXPECT_EQ(verbs(r.client_bytes("DATA\r\n")), (list{"(DATA)"}));
    r.server_bytes("554-no\r\n554 valid recipients\r\n");
    EXPECT_EQ(verbs(r.client_bytes("RSET\r\n")), (list{"RSET"}));
}

TEST(CommandReader, SmtpBdatChunksAreSkippedByCount) {
    command_reader r("smtp");
    EXPECT_TRUE(r.client_bytes("BDAT 10\r\nQUIT\r\n").empty());  // 6 of 10 octets
    EXPECT_EQ(verbs(r.client_bytes("abcdBDAT 0 LAST\r\n")), (list{"BDAT", "BDAT"}));
}

TEST(CommandReader, SmtpAuthGivesTheUserAndSkipsSaslLines) {
    command_reader r("smtp");
    // "\0bob\0secret" and "\0alice\0pw"
    auto s = r.client_bytes("AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].user, "bob");
    r.server_bytes("235 ok\r\n");
    EXPECT_EQ(verbs(r.client_bytes("AUTH PLAIN\r\n")), (list{"AUTH"}));
    r.server_bytes("334 \r\n");
    s = r.client_bytes("AGFsaWNlAHB3\r\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_FALSE(s[0].consult);
    EXPECT_EQ(s[0].user, "alice");
    r.server_bytes("235 ok\r\n");
    EXPECT_EQ(verbs(r.client_bytes("QUIT\r\n")), (list{"QUIT"}));
}

TEST(CommandReader, Pop3VerbsUsersAndSasl) {
    command_reader r("pop3");
    auto s = r.client_bytes("user bob\nPASS x\r\nRETR 1\r\n");
    EXPECT_EQ(verbs(s), (list{"USER", "PASS", "RETR"}));
    EXPECT_EQ(s[0].user, "bob");
    r.server_bytes("+OK\r\n+OK\r\n+OK 3 octets\r\nabc\r\n.\r\n");
    EXPECT_EQ(verbs(r.client_bytes("AUTH PLAIN\r\n")), (list{"AUTH"}));
    r.server_bytes("+ \r\n");
    s = r.client_bytes("AGFsaWNlAHB3\r\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].user, "alice");
    EXPECT_EQ(verbs(r.client_bytes("APOP carol 0123\r\n"))[0], "APOP");
}

TEST(CommandReader, ImapTagsLiteralsUidAndIdle) {
    command_reader r("imap");
    auto s = r.client_bytes("a1 login \"bo\\\"b\" pw\r\na2 UID fetch 1:* (FLAGS)\r\n");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].tag, "a1");
    EXPECT_EQ(s[0].verb, "LOGIN");
    EXPECT_EQ(s[0].user, "bo\"b");
    EXPECT_EQ(s[1].verb, "FETCH");
    // A synchronizing literal: the "+" is for the literal, not a continuation response.
    s = r.client_bytes("a3 APPEND INBOX {12}\r\n");
    EXPECT_EQ(verbs(s), (list{"APPEND"}));
    r.server_bytes("+ go ahead\r\n");
    EXPECT_TRUE(r.client_bytes("a4 NOOP\r\n123").empty());  // 12 octets of literal
    EXPECT_TRUE(r.client_bytes(" {3+}\r\nx\r\n").empty());  // a second, non-synchronizing one
    EXPECT_EQ(verbs(r.client_bytes("\r\na5 IDLE\r\n")), (list{"IDLE"}));
    r.server_bytes("a3 OK done\r\n+ idling\r\n* 3 EXISTS\r\n");
    EXPECT_EQ(verbs(r.client_bytes("DONE\r\n")), (list{"()"}));
    r.server_bytes("a5 OK idle done\r\n");
    EXPECT_EQ(verbs(r.client_bytes("a6 LOGOUT\r\n")), (list{"LOGOUT"}));
}

TEST(CommandReader, LongLinesAreBoundedAndResetForgetsPlaintext) {
    command_reader r("pop3");
    const std::string big(3 * command_reader::max_line_bytes, 'A');
    auto s = r.client_bytes("NOOP" + big + "\r\n");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_LE(s[0].verb.size(), command_reader::max_line_bytes);
    EXPECT_TRUE(r.client_bytes("STLS partial").empty());
    r.reset();
    EXPECT_EQ(verbs(r.client_bytes("CAPA\r\n")), (list{"CAPA"}));
}

TEST(CommandReader, Base64) {
    EXPECT_EQ(decode_base64("AGJvYgBzZWNyZXQ="), std::string("\0bob\0secret", 11));
    EXPECT_EQ(decode_base64("Zm9vYg=="), "foob");
    EXPECT_FALSE(decode_base64("Zm9v!"));
    EXPECT_FALSE(decode_base64("Zg=x"));
}

}  // namespace
}  // namespace mailroom::sandbox
