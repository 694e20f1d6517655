#include "proto/smtp/command.hpp"

#include <gtest/gtest.h>

namespace mailroom::smtp {
namespace {

TEST(smtp_command, verbs_and_arguments) {
    struct c {
        std::string line;
        verb what;
        std::string arg;
    };
    for (const auto& k : std::vector<c>{
             {"EHLO client.example", verb::ehlo, "client.example"},
             {"ehlo client.example", verb::ehlo, "client.example"},
             {"HELO x", verb::helo, "x"},
             {"MAIL FROM:<a@b.test> SIZE=1", verb::mail, "<a@b.test> SIZE=1"},
             {"mail from:<a@b.test>", verb::mail, "<a@b.test>"},
             {"MAIL FROM: <a@b.test>", verb::mail, "<a@b.test>"},
             {"RCPT TO:<a@b.test>", verb::rcpt, "<a@b.test>"},
             {"DATA", verb::data, ""},
             {"BDAT 100 LAST", verb::bdat, "100 LAST"},
             {"RSET", verb::rset, ""},
             {"NOOP anything", verb::noop, "anything"},
             {"QUIT", verb::quit, ""},
             {"VRFY x", verb::vrfy, "x"},
             {"EXPN x", verb::expn, "x"},
             {"HELP", verb::help, ""},
             {"STARTTLS", verb::starttls, ""},
             {"AUTH PLAIN AGEAYg==", verb::auth, "PLAIN AGEAYg=="},
             {"XCLIENT ADDR=1.2.3.4", verb::unknown, "ADDR=1.2.3.4"},
             {"", verb::unknown, ""},
         }) {
        auto r = parse_command(k.line);
        ASSERT_TRUE(r) << k.line;
        EXPECT_EQ(r->what, k.what) << k.line;
        EXPECT_EQ(r->argument, k.arg) << k.line;
    }
    EXPECT_FALSE(parse_command("MAIL <a@b.test>"));
    EXPECT_FALSE(parse_command("MAIL TO:<a@b.test>"));
    EXPECT_FALSE(parse_command("RCPT FROM:<a@b.test>"));
    EXPECT_FALSE(parse_command("RCPT"));
}

TEST(smtp_command, mail_parameters) {
    auto r = parse_mail("<a@b.test> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1 AUTH=<>", false);
    ASSERT_TRUE(std::holds_alternative<mail_command>(r));
    const auto& m = std::get<mail_command>(r);
    EXPECT_EQ(m.path.box->str(), "a@b.test");
    EXPECT_EQ(m.params.size, 1000u);
    EXPECT_EQ(m.params.body, body_type::eight_bit_mime);
    EXPECT_EQ(m.params.ret, dsn_ret::headers);
    EXPECT_EQ(m.params.envid, "QQ+1");
    EXPECT_EQ(m.params.auth, "<>");

    auto u = parse_mail("<j\xc3\xb6rg@example.test> SMTPUTF8", true);
    ASSERT_TRUE(std::holds_alternative<mail_command>(u));
    EXPECT_TRUE(std::get<mail_command>(u).params.smtputf8);

    auto null = parse_mail("<>", false);
    ASSERT_TRUE(std::holds_alternative<mail_command>(null));
    EXPECT_FALSE(std::get<mail_command>(null).path.box);
}

TEST(smtp_command, mail_errors) {
    struct c {
        std::string arg;
        int code;
        std::string enhanced;
    };
    for (const auto& k : std::vector<c>{
             {"a@b.test", 501, "5.5.4"},
             {"<a@b.test> SIZE=x", 501, "5.5.4"},
             {"<a@b.test> SIZE=1 SIZE=2", 501, "5.5.4"},
             {"<a@b.test> SIZE=123456789012345678901", 501, "5.5.4"},
             {"<a@b.test> BODY=9BIT", 504, "5.5.4"},
             {"<a@b.test> RET=ALL", 501, "5.5.4"},
             {"<a@b.test> ENVID=a=b", 501, "5.5.4"},
             {"<a@b.test> ENVID=+zz", 501, "5.5.4"},
             {"<a@b.test> ENVID=a+0D+0Ab", 501, "5.5.4"},  // decodes to CR LF: not printable
             {"<a@b.test> ENVID=+00", 501, "5.5.4"},
             {"<a@b.test> ENVID=+7F", 501, "5.5.4"},
             {"<a@b.test> ENVID=x ENVID=y", 501, "5.5.4"},
             {"<a@b.test> RET=HDRS RET=FULL", 501, "5.5.4"},
             {"<a@b.test> FOO=1", 555, "5.5.4"},
             {"<a@b.test> SMTPUTF8", 555, "5.5.4"},  // not offered
             {"<a@b.test>SIZE=1", 501, "5.5.4"},
             {"<j\xc3\xb6rg@example.test>", 553, "5.6.7"},  // UTF-8 without SMTPUTF8
             {"<@x.test:a@b.test>", 501, "5.1.3"},
             {"<a%b@c.test>", 501, "5.1.3"},
         }) {
        auto r = parse_mail(k.arg, false);
        ASSERT_TRUE(std::holds_alternative<param_error>(r)) << k.arg;
        EXPECT_EQ(std::get<param_error>(r).code, k.code) << k.arg;
        EXPECT_EQ(std::get<param_error>(r).enhanced, k.enhanced) << k.arg;
    }
}

TEST(smtp_command, rcpt_parameters) {
    auto r = parse_rcpt("<a@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40b.test", false);
    ASSERT_TRUE(std::holds_alternative<rcpt_command>(r));
    EXPECT_EQ(std::get<rcpt_command>(r).params.notify, 3u);
    EXPECT_EQ(std::get<rcpt_command>(r).params.orcpt, "rfc822;a@b.test");
    auto never = parse_rcpt("<a@b.test> NOTIFY=NEVER", false);
    EXPECT_EQ(std::get<rcpt_command>(never).params.notify, 8u);
    auto spaced = parse_rcpt("<a@b.test> NOTIFY=delay ORCPT=x-local;a+20b+09c", false);  // SP and HTAB are printable
    ASSERT_TRUE(std::holds_alternative<rcpt_command>(spaced));
    EXPECT_EQ(std::get<rcpt_command>(spaced).params.notify, 4u);
    EXPECT_EQ(std::get<rcpt_command>(spaced).params.orcpt, "x-local;a b\tc");
    for (const char* bad : {"<>", "<a@b.test> X=1", "a@b.test"})
        EXPECT_TRUE(std::holds_alternative<param_error>(parse_rcpt(bad, false))) << bad;
    // RFC 3461 §4.1 (NOTIFY list, NEVER alone), §4.2 (ORCPT = atom ";" printable
    // xtext), each keyword once: all 501 5.5.4, like the MAIL parameters.
    for (const char* bad :
         {"<a@b.test> NOTIFY=NEVER,SUCCESS", "<a@b.test> NOTIFY=", "<a@b.test> NOTIFY=SOMETIMES",
          "<a@b.test> NOTIFY=SUCCESS,", "<a@b.test> NOTIFY=,FAILURE", "<a@b.test> NOTIFY=SUCCESS,,DELAY",
          "<a@b.test> NOTIFY=SUCCESS NOTIFY=FAILURE", "<a@b.test> ORCPT=noseparator", "<a@b.test> ORCPT=;a@b.test",
          "<a@b.test> ORCPT=rfc+20822;a@b.test", "<a@b.test> ORCPT=rfc822;a+0D+0AX-Injected:+20yes",
          "<a@b.test> ORCPT=rfc822;a+zz", "<a@b.test> ORCPT=rfc822;a ORCPT=rfc822;b"}) {
        auto refused = parse_rcpt(bad, false);
        ASSERT_TRUE(std::holds_alternative<param_error>(refused)) << bad;
        EXPECT_EQ(std::get<param_error>(refused).code, 501) << bad;
        EXPECT_EQ(std::get<param_error>(refused).enhanced, "5.5.4") << bad;
    }
}

TEST(smtp_command, xtext_and_bdat) {
    EXPECT_EQ(decode_xtext("abc+2B+3D"), "abc+=");
    EXPECT_FALSE(decode_xtext("+2"));
    EXPECT_FALSE(decode_xtext("+2b"));  // RFC 3461: upper-case hex
    EXPECT_FALSE(decode_xtext("a b"));
    auto b = parse_bdat("100 LAST");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->size, 100u);
    EXPECT_TRUE(b->last);
    EXPECT_FALSE(parse_bdat("100 MORE"));
    EXPECT_FALSE(parse_bdat("-1"));
    EXPECT_FALSE(parse_bdat(""));
    EXPECT_EQ(parse_bdat("0")->size, 0u);
}

}  // namespace
}  // namespace mailroom::smtp
