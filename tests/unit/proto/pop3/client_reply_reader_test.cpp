// Unit tests of pop3::client::reply_reader: status lines, continuations,
// dot-unstuffing across every split, and the bounds on lines and bodies.
#include "proto/pop3/client/reply_reader.hpp"

#include <gtest/gtest.h>

namespace mailroom::pop3::client {
namespace {

TEST(Pop3ClientReplyReader, StatusLines) {
    reply_reader r;
    r.feed("+OK ready\r\n-ERR no\r\n+OK\r\n");
    auto a = std::get<status_line>(r.next_status());
    EXPECT_TRUE(a.ok);
    EXPECT_EQ(a.text, "ready");
    auto b = std::get<status_line>(r.next_status());
    EXPECT_FALSE(b.ok);
    EXPECT_EQ(b.text, "no");
    EXPECT_EQ(std::get<status_line>(r.next_status()).text, "");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next_status()));
}

TEST(Pop3ClientReplyReader, RejectsNonPop3AndControlCharacters) {
    reply_reader r;
    r.feed("+OKAY\r\n");
    EXPECT_EQ(std::get<reply_error>(r.next_status()), reply_error::bad_syntax);
    reply_reader c;
    c.feed("-ERR a\x1b[2Jb\r\n");
    EXPECT_EQ(std::get<status_line>(c.next_status()).text, "a?[2Jb");
}

TEST(Pop3ClientReplyReader, ContinuationOnlyWhenAllowed) {
    reply_reader r;
    r.feed("+ Y2hhbA==\r\n+ x\r\n");
    EXPECT_EQ(std::get<continuation>(r.next_status(true)).data, "Y2hhbA==");
    EXPECT_EQ(std::get<reply_error>(r.next_status(false)), reply_error::bad_syntax);
}

TEST(Pop3ClientReplyReader, LineLimit) {
    reply_reader r({.max_line_bytes = 16});
    r.feed("+OK " + std::string(100, 'x'));
    EXPECT_EQ(std::get<reply_error>(r.next_status()), reply_error::line_too_long);
}

// Every split of a body with stuffed dots and a ".\r" line that is data.
TEST(Pop3ClientReplyReader, UnstuffsAtEverySplit) {
    const std::string wire = "a\r\n..b\r\n.\rc\r\n..\r\n\r\n.\r\n+OK next\r\n";
    const std::string want = "a\r\n.b\r\n\rc\r\n.\r\n\r\n";
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        reply_reader r;
        r.begin_body();
        std::string out;
        r.feed(wire.substr(0, cut));
        auto st = r.next_body(out, 1000);
        if (st != reply_reader::body_state::done) {
            r.feed(wire.substr(cut));
            st = r.next_body(out, 1000);
        } else {
            r.feed(wire.substr(cut));
        }
        ASSERT_EQ(st, reply_reader::body_state::done) << cut;
        EXPECT_EQ(out, want) << cut;
        EXPECT_TRUE(std::get<status_line>(r.next_status()).ok) << cut;
    }
}

TEST(Pop3ClientReplyReader, BodyLimit) {
    reply_reader r;
    r.begin_body();
    std::string out;
    r.feed(std::string(50, 'x') + "\r\n.\r\n");
    EXPECT_EQ(r.next_body(out, 10), reply_reader::body_state::failed);
    EXPECT_EQ(r.error(), reply_error::too_long);
}

}  // namespace
}  // namespace mailroom::pop3::client
