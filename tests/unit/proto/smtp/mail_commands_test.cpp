#include "proto/smtp/client/mail_commands.hpp"

#include <gtest/gtest.h>

#include "proto/smtp/command.hpp"

namespace mailroom::smtp::client {
namespace {

TEST(smtp_client_mail_commands, xtext_round_trips_through_the_server_decoder) {
    for (std::string s : {"", "plain", "a+b=c", "sp ace", "ctl\x01\x7f", "\xc3\xa9t\xc3\xa9", "+++", "==", "~!"}) {
        const auto enc = encode_xtext(s);
        for (unsigned char c : enc) {
            EXPECT_TRUE(c >= '!' && c <= '~' && c != '=') << enc;
        }
        EXPECT_EQ(decode_xtext(enc), s) << enc;
    }
    EXPECT_EQ(encode_xtext("a+b=c d"), "a+2Bb+3Dc+20d");
}

TEST(smtp_client_mail_commands, dot_stuffing_and_line_ends) {
    struct c {
        std::string in, out;
    };
    for (const auto& k : std::vector<c>{
             {"", ".\r\n"},
             {"a\r\n", "a\r\n.\r\n"},
             {"a", "a\r\n.\r\n"},
             {".\r\n", "..\r\n.\r\n"},
             {"..x\r\n.y\r\n", "...x\r\n..y\r\n.\r\n"},
             {"a.b\r\n", "a.b\r\n.\r\n"},
             {"a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
             {"a\r.\rb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
             {"a\n.\r\nQUIT\r\n", "a\r\n..\r\nQUIT\r\n.\r\n"},
             {"\r\n\r\n", "\r\n\r\n.\r\n"},
             {"a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"},
         }) {
        EXPECT_EQ(dot_stuff(k.in), k.out) << k.in;
        // In two pieces split at every offset (a CRLF or a leading dot cut
        // in half), and a byte at a time: the same wire form.
        for (std::size_t cut = 0; cut <= k.in.size(); ++cut) {
            dot_stuffer d;
            std::string out;
            d.add(std::string_view(k.in).substr(0, cut), out);
            d.add(std::string_view(k.in).substr(cut), out);
            d.finish(out);
            EXPECT_EQ(out, k.out) << k.in << " cut at " << cut;
        }
        dot_stuffer d;
        std::string out;
        for (const char ch : k.in) d.add(std::string_view(&ch, 1), out);
        d.finish(out);
        EXPECT_EQ(out, k.out) << k.in << " bytewise";
    }
}

TEST(smtp_client_mail_commands, parameters_only_when_offered) {
    outgoing_message m;
    m.sender = "a@x.test";
    m.recipients = {{"b@y.test", 1 | 2, "rfc822;b@y.test"}};
    m.envid = "id 1";
    m.ret = dsn_ret::full;
    m.eight_bit = true;
    m.content = "12345";
    ehlo_capabilities none;
    EXPECT_EQ(mail_command(m, none), "MAIL FROM:<a@x.test>\r\n");
    EXPECT_EQ(rcpt_command(m.recipients[0], none), "RCPT TO:<b@y.test>\r\n");
    ehlo_capabilities all;
    all.size = all.eight_bit_mime = all.smtputf8 = all.dsn = true;
    EXPECT_EQ(mail_command(m, all), "MAIL FROM:<a@x.test> SIZE=5 BODY=8BITMIME RET=FULL ENVID=id+201\r\n");
    EXPECT_EQ(rcpt_command(m.recipients[0], all),
              "RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y.test\r\n");
    m.smtputf8 = true;
    EXPECT_EQ(mail_command(m, all), "MAIL FROM:<a@x.test> SIZE=5 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=id+201\r\n");
}

TEST(smtp_client_mail_commands, orcpt_and_notify_forms) {
    ehlo_capabilities dsn;
    dsn.dsn = true;
    EXPECT_EQ(rcpt_command({"b@y.test", 8 | 1, ""}, dsn), "RCPT TO:<b@y.test> NOTIFY=NEVER\r\n");
    EXPECT_EQ(rcpt_command({"b@y.test", 4, ""}, dsn), "RCPT TO:<b@y.test> NOTIFY=DELAY\r\n");
    // No type, a bad type, UTF-8 or controls: ORCPT is optional, so left out.
    for (std::string bad : {"b@y.test", ";b@y.test", "rfc 822;b@y.test", "rfc822;j\xc3\xb6rg@y.test", "rfc822;b\r\n@y"})
        EXPECT_EQ(rcpt_command({"b@y.test", 0, bad}, dsn), "RCPT TO:<b@y.test>\r\n") << bad;
}

TEST(smtp_client_mail_commands, unsafe_addresses_and_utf8) {
    EXPECT_FALSE(unsafe_address("a@b.test"));
    EXPECT_FALSE(unsafe_address(""));
    EXPECT_FALSE(unsafe_address("\"a b\"@b.test"));
    EXPECT_TRUE(unsafe_address("a@b.test\r\nRSET"));
    EXPECT_TRUE(unsafe_address("a@b.test> SIZE=1"));
    EXPECT_TRUE(unsafe_address(std::string("a\0b", 3)));
    outgoing_message m;
    m.sender = "a@b.test";
    m.recipients = {{"c@d.test", 0, ""}};
    EXPECT_FALSE(needs_smtputf8(m));
    m.recipients.push_back({"j\xc3\xb6rg@d.test", 0, ""});
    EXPECT_TRUE(needs_smtputf8(m));
}

}  // namespace
}  // namespace mailroom::smtp::client
