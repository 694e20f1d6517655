#include "mail/trace_headers.hpp"

#include <gtest/gtest.h>

namespace mailroom::mail {
namespace {

received_info sample() {
    received_info r;
    r.helo = "client.example";
    r.client_address = "127.0.0.1";
    r.by_host = "mx.example.test";
    r.queue_id = "0123456789abcdef";
    r.recipient = "alice@example.test";
    r.when = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    return r;
}

TEST(mail_trace_headers, received_plain) {
    EXPECT_EQ(received_header(sample()),
              "Received: from client.example ([127.0.0.1])\r\n"
              "\tby mx.example.test (mailroom) with ESMTP id 0123456789abcdef\r\n"
              "\tfor <alice@example.test>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
}

TEST(mail_trace_headers, received_tls_and_auth_never_a_password) {
    auto r = sample();
    r.tls = true;
    r.tls_description = "TLSv1.3 TLS_AES_256_GCM_SHA384";
    r.auth_user = "alice@example.test";
    r.recipient.clear();
    const auto h = received_header(r);
    EXPECT_NE(h.find("\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"), std::string::npos) << h;
    EXPECT_NE(h.find("(Authenticated sender: alice@example.test)"), std::string::npos) << h;
    EXPECT_NE(h.find("with ESMTPSA id"), std::string::npos) << h;
    EXPECT_EQ(h.find("for <"), std::string::npos);
}

TEST(mail_trace_headers, hostile_helo_cannot_break_the_header) {
    auto r = sample();
    r.helo = "x\r\nBcc: victim@example.test\r\n(";
    const auto h = received_header(r);
    EXPECT_EQ(h.find("\r\nBcc"), std::string::npos) << h;
    EXPECT_EQ(h.rfind("Received: from x??Bcc:?victim@example.test???", 0), 0u) << h;
}

TEST(mail_trace_headers, comments_quote_what_would_end_them) {
    auto r = sample();
    r.tls = true;
    r.tls_description = "TLSv1.2 ECDHE(x)\\y\r\nBcc: v";
    r.auth_user = "\"a b\"(c)@example.test";
    const auto h = received_header(r);
    EXPECT_NE(h.find("\t(using TLSv1.2 with cipher ECDHE\\(x\\)\\\\y??Bcc: v)\r\n"), std::string::npos) << h;
    EXPECT_NE(h.find("\t(Authenticated sender: \"a b\"\\(c\\)@example.test)\r\n"), std::string::npos) << h;
    EXPECT_EQ(h.find("\r\nBcc"), std::string::npos) << h;
    // Without a cipher part, or without any text at all.
    r.tls_description = "TLSv1.3";
    r.auth_user.clear();
    EXPECT_NE(received_header(r).find("\t(using TLSv1.3)\r\n"), std::string::npos);
    r.tls_description = "";
    EXPECT_NE(received_header(r).find("\t(using unknown)\r\n"), std::string::npos);
}

TEST(mail_trace_headers, protocol_names) {
    auto r = sample();
    EXPECT_EQ(with_protocol(r), "ESMTP");
    r.esmtp = false;
    EXPECT_EQ(with_protocol(r), "SMTP");
    r.tls = true;
    EXPECT_EQ(with_protocol(r), "ESMTPS");
    r.esmtp = true;
    r.auth_user = "a@b";
    EXPECT_EQ(with_protocol(r), "ESMTPSA");
    r.smtputf8 = true;
    EXPECT_EQ(with_protocol(r), "UTF8SMTPSA");
    r.tls = false;
    EXPECT_EQ(with_protocol(r), "UTF8SMTPA");
}

TEST(mail_trace_headers, return_path_and_date) {
    EXPECT_EQ(return_path_header("a@b.test"), "Return-Path: <a@b.test>\r\n");
    EXPECT_EQ(return_path_header(""), "Return-Path: <>\r\n");
    EXPECT_EQ(rfc5322_date(std::chrono::system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace mailroom::mail
