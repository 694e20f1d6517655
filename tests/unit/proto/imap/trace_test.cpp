#include "proto/imap/trace.hpp"

#include <gtest/gtest.h>

#include <string>

#include "reader_driver.hpp"

namespace mailroom::imap {
namespace {

using namespace std::string_literals;

std::string traced(const std::string& line, std::size_t max = 512) { return trace_command(test::read_one(line), max); }

TEST(ImapTrace, SecretsAreMasked) {
    EXPECT_EQ(traced("a1 LOGIN alice wonderland\r\n"), "a1 LOGIN alice ********");
    EXPECT_EQ(traced("a1 login {5}\r\nalice {10}\r\nwonderland\r\n"), "a1 login {5} ********");
    EXPECT_EQ(traced("a2 AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"), "a2 AUTHENTICATE PLAIN ********");
    EXPECT_EQ(traced("a2 AUTHENTICATE PLAIN\r\n"), "a2 AUTHENTICATE PLAIN");
}

TEST(ImapTrace, LiteralsBySizeAndControlsEscaped) {
    EXPECT_EQ(traced("a3 APPEND INBOX (\\Seen) {5}\r\nhello\r\n"), "a3 APPEND INBOX (\\x5cSeen) {5}");
    EXPECT_EQ(traced("a3 APPEND INBOX ~{3}\r\na\0b\r\n"s), "a3 APPEND INBOX ~{3}");
    EXPECT_EQ(traced("a4 SELECT \"caf\xc3\xa9\\\"\"\r\n"), "a4 SELECT \"caf\\xc3\\xa9\"\"");
    EXPECT_EQ(traced("a5 SEARCH TEXT \"" + std::string(100, 'x') + "\"\r\n"),
              "a5 SEARCH TEXT \"" + std::string(64, 'x') + "...\"");
    const auto cut = traced("a6 FETCH 1 (FLAGS UID ENVELOPE BODYSTRUCTURE)\r\n", 20);
    EXPECT_EQ(cut, "a6 FETCH 1 (FLAGS UI...");
    std::string escaped = "a7 ";
    for (int i = 0; i < 30; ++i) escaped += "\\x5c";
    EXPECT_EQ(traced("a7 " + std::string(30, '\\') + "\r\n", 20), escaped.substr(0, 20) + "...")
        << "the command name is bounded too";
}

}  // namespace
}  // namespace mailroom::imap
