// sandbox::parse_return_path: the Return-Path the catch-all writes first
// is the released message's sender and is not sent on (RFC 5321 §4.4).
#include <gtest/gtest.h>

#include "sandbox/smarthost_release.hpp"

namespace mailroom::sandbox {
namespace {

TEST(return_path, sender_and_length_of_the_header) {
    const std::string msg = "Return-Path: <alice@example.org>\r\nReceived: x\r\n\r\nbody\r\n";
    const auto rp = parse_return_path(msg);
    ASSERT_TRUE(rp.sender);
    EXPECT_EQ(*rp.sender, "alice@example.org");
    EXPECT_EQ(msg.substr(rp.header_bytes), "Received: x\r\n\r\nbody\r\n");
}

TEST(return_path, null_sender_folded_and_case) {
    auto rp = parse_return_path("Return-Path: <>\r\nX: y\r\n");
    ASSERT_TRUE(rp.sender);
    EXPECT_EQ(*rp.sender, "");
    EXPECT_EQ(rp.header_bytes, 17u);
    const std::string folded = "return-path:\r\n <bob@example.net>\r\nSubject: s\r\n";
    rp = parse_return_path(folded);
    ASSERT_TRUE(rp.sender);
    EXPECT_EQ(*rp.sender, "bob@example.net");
    EXPECT_EQ(folded.substr(rp.header_bytes), "Subject: s\r\n");
    rp = parse_return_path("Return-Path: carol@example.com\nX: y\n");  // no brackets, bare LF
    ASSERT_TRUE(rp.sender);
    EXPECT_EQ(*rp.sender, "carol@example.com");
    EXPECT_EQ(rp.header_bytes, 31u);
}

TEST(return_path, absent_or_unterminated) {
    EXPECT_FALSE(parse_return_path("Subject: s\r\nReturn-Path: <a@b>\r\n").sender);
    EXPECT_EQ(parse_return_path("Subject: s\r\n").header_bytes, 0u);
    EXPECT_FALSE(parse_return_path("Return-Path: <a@b.test>").sender);  // cut off: not a header we can drop
    EXPECT_FALSE(parse_return_path("").sender);
    EXPECT_FALSE(parse_return_path("Return-Pat").sender);
}

}  // namespace
}  // namespace mailroom::sandbox
