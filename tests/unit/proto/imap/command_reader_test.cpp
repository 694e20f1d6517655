#include "proto/imap/command_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reader_driver.hpp"

namespace mailroom::imap {
namespace {

using namespace std::string_literals;
using lines = std::vector<std::string>;

// Runs the input whole, byte by byte, and split in two at every offset: the
// events must be the same every time (STYLE.md §9).
lines every_split(test::driver& d, const std::string& input) {
    const auto whole = d.run(input);
    EXPECT_EQ(d.run(input, 1), whole) << "byte by byte: " << input;
    for (std::size_t i = 1; i < input.size(); ++i) EXPECT_EQ(d.run(input, 0, i), whole) << "split at " << i;
    return whole;
}

struct reader_case {
    std::string input;
    lines events;
};

void check(const std::vector<reader_case>& cases, test::driver d = {}) {
    for (const auto& c : cases) EXPECT_EQ(every_split(d, c.input), c.events) << c.input;
}

TEST(ImapCommandReader, TokensOfEveryKind) {
    check({
        {"a1 NOOP\r\n", {"command a1 NOOP"}},
        {"a1 noop\n", {"command a1 noop"}},  // a bare LF is accepted as the line end
        {"A.2 CAPABILITY\r\n", {"command A.2 CAPABILITY"}},
        {"t LOGIN alice \"se\\\"cr\\\\et\"\r\n", {"command t LOGIN alice \"se\"cr\\et\""}},
        {"t LOGIN \"\" \"\"\r\n", {"command t LOGIN \"\" \"\""}},
        {"t FETCH 1:* (FLAGS UID)\r\n", {"command t FETCH 1:* (FLAGS UID)"}},
        {"t FETCH 1 (BODY[HEADER.FIELDS (From To)]<0.100>)\r\n",
         {"command t FETCH 1 (BODY[HEADER.FIELDS (From To) ^]<0.100>)"}},
        {"t X ((a (b)) () c)\r\n", {"command t X ((a (b)) () c)"}},
        {"t STORE 1 +FLAGS (\\Seen $Label)\r\n", {"command t STORE 1 +FLAGS (\\Seen $Label)"}},
        {"t LIST \"\" %\r\n", {"command t LIST \"\" %"}},
        {"t NOOP \r\n", {"command t NOOP"}},  // trailing space tolerated
        {"t SELECT \"Entw\xc3\xbcrfe\"\r\n", {"command t SELECT \"Entw\xc3\xbcrfe\""}},
        {"a NOOP\r\nb NOOP\r\nc LOGOUT\r\n", {"command a NOOP", "command b NOOP", "command c LOGOUT"}},
    });
}

TEST(ImapCommandReader, Literals) {
    check({
        {"a LOGIN {5}\r\nalice {6}\r\nsecret\r\n",
         {"literal 5 sync tag=a", "literal 6 sync tag=a", "command a LOGIN {5}alice {6}secret"}},
        {"a LOGIN {5+}\r\nalice {6-}\r\nsecret\r\n",
         {"literal 5 nonsync tag=a", "literal 6 nonsync tag=a", "command a LOGIN {5}alice {6}secret"}},
        // CRLF inside a literal is data; an empty literal is fine.
        {"a X {4}\r\n\r\n\r\n {0}\r\n\r\n",
         {"literal 4 sync tag=a", "literal 0 sync tag=a", "command a X {4}\r\n\r\n {0}"}},
        {"a X ({3}\r\nabc)\r\n", {"literal 3 sync tag=a", "command a X ({3}abc)"}},
        {"a APPEND INBOX (\\Seen) ~{3}\r\na\0b\r\n"s,
         {"literal 3 sync binary message tag=a", "command a APPEND INBOX (\\Seen) ~{3}a\0b"s}},
        {"a APPEND {5}\r\nINBOX {2+}\r\nhi {1}\r\nx\r\n",
         {"literal 5 sync tag=a", "literal 2 nonsync message tag=a", "literal 1 sync message tag=a",
          "command a APPEND {5}INBOX {2}hi {1}x"}},
        {"a APPEND INBOX CATENATE (URL \"/x\" TEXT {2}\r\nhi)\r\n",
         {"literal 2 sync message tag=a", "command a APPEND INBOX CATENATE (URL \"/x\" TEXT {2}hi)"}},
        {"a APPEND INBOX UTF8 (~{2}\r\nhi)\r\n",
         {"literal 2 sync binary message tag=a", "command a APPEND INBOX UTF8 (~{2}hi)"}},
        // A NUL in a plain literal is refused (RFC 9051 §4.3), the rest of the command skipped.
        {"a X {3}\r\na\0b more\r\nb NOOP\r\n"s, {"literal 3 sync tag=a", "error bad_literal tag=a", "command b NOOP"}},
    });
}

TEST(ImapCommandReader, LiteralLimits) {
    test::driver d;
    d.lim.max_literal_bytes = 10;
    d.lim.max_message_bytes = 20;
    d.lim.max_discard_bytes = 100;
    check(
        {
            // Synchronizing over the limit: refused, the client sends nothing more of it.
            {"a LOGIN {11}\r\nb NOOP\r\n", {"literal 11 sync tag=a", "command b NOOP"}},
            // A 4 GiB literal is refused without reading anything.
            {"a APPEND INBOX {4294967296}\r\nb NOOP\r\n", {"literal 4294967296 sync message tag=a", "command b NOOP"}},
            {"a APPEND INBOX {20}\r\n01234567890123456789\r\n",
             {"literal 20 sync message tag=a", "command a APPEND INBOX {20}01234567890123456789"}},
            // Non-synchronizing over the limit: the octets and the rest of the command are discarded.
            {"a LOGIN {11+}\r\n0123456789X {3+}\r\nabc\r\nb NOOP\r\n", {"literal 11 nonsync tag=a", "command b NOOP"}},
            // ... unless it is larger than max_discard_bytes: BYE.
            {"a LOGIN {101+}\r\n", {"literal 101 nonsync tag=a", "error literal_too_large tag= fatal [TOOBIG]"}},
        },
        d);
    // MULTIAPPEND: the messages together stay within max_append_total_bytes.
    d.lim.max_append_total_bytes = 30;
    check({{"a APPEND INBOX {20}\r\n01234567890123456789 {11}\r\nb APPEND INBOX {20}\r\n01234567890123456789 {10}\r\n"
            "0123456789\r\n",
            {"literal 20 sync message tag=a", "literal 11 sync message tag=a", "literal 20 sync message tag=b",
             "literal 10 sync message tag=b", "command b APPEND INBOX {20}01234567890123456789 {10}0123456789"}}},
          d);
    d.lim.max_append_messages = 1;
    check({{"a APPEND INBOX {1}\r\nx {1}\r\nb NOOP\r\n",
            {"literal 1 sync message tag=a", "literal 1 sync message tag=a", "command b NOOP"}}},
          d);
}

TEST(ImapCommandReader, RefusedLiteralsAreSkipped) {
    test::driver d;
    d.policy = test::literal_policy::refuse_all;
    check({{"a LOGIN {5}\r\nb NOOP\r\n", {"literal 5 sync tag=a", "command b NOOP"}},
           {"a LOGIN {5+}\r\nalice {2+}\r\nxy\r\nb NOOP\r\n", {"literal 5 nonsync tag=a", "command b NOOP"}},
           {"a LOGIN ~{2-}\r\n\0\0\r\nb NOOP\r\n"s, {"literal 2 nonsync binary tag=a", "command b NOOP"}}},
          d);
}

TEST(ImapCommandReader, StreamedMessageLiterals) {
    test::driver d;
    d.policy = test::literal_policy::stream_messages;
    const std::string in =
        "a APPEND {5}\r\nINBOX (\\Seen) {7}\r\nhello\r\n ~{3}\r\nx\0y CATENATE (TEXT {2+}\r\nhi)\r\n"
        "b APPEND INBOX {4}\r\nn\0ul\r\nc NOOP\r\n"s;
    const lines want{"literal 5 sync tag=a",
                     "literal 7 sync message tag=a",
                     "literal 3 sync binary message tag=a",
                     "literal 2 nonsync message tag=a",
                     "command a APPEND {5}INBOX (\\Seen) {7}<streamed> ~{3}<streamed> CATENATE (TEXT {2}<streamed>)",
                     "literal 4 sync message tag=b",
                     "error bad_literal tag=b",
                     "command c NOOP"};
    EXPECT_EQ(every_split(d, in), want);
    // The octets went to the engine, in order, nothing of them kept.
    EXPECT_EQ(d.run(in, 1), want);
    EXPECT_EQ(d.streamed, "hello\r\nx\0yhin\0ul"s);
}

TEST(ImapCommandReader, SyntaxErrorsSkipTheCommand) {
    check({
        {"\r\nb NOOP\r\n", {"error bad_tag tag=", "command b NOOP"}},
        {"NOOP\r\n", {"error bad_tag tag="}},
        {"+ NOOP\r\n", {"error bad_tag tag="}},
        {"a* NOOP\r\n", {"error bad_tag tag="}},
        {"a\r\n", {"error bad_tag tag="}},
        {"a \r\n", {"error syntax tag=a"}},
        {"a (NOOP\r\n", {"error syntax tag=a"}},
        {"a X  y\r\n", {"error syntax tag=a"}},
        {"a X (y\r\n", {"error syntax tag=a"}},
        {"a X y)\r\n", {"error syntax tag=a"}},
        {"a X (y )\r\n", {"error syntax tag=a"}},
        {"a X \"abc\r\n", {"error syntax tag=a"}},
        {"a X \"a\\bc\"\r\n", {"error syntax tag=a"}},
        {"a X \"a\rc\"\r\n", {"error syntax tag=a"}},
        {"a X \"a\"b\r\n", {"error syntax tag=a"}},
        {"a X a\"b\r\n", {"error syntax tag=a"}},
        {"a X (a)(b)\r\n", {"error syntax tag=a"}},
        {"a X (a)\"b\"\r\n", {"command a X (a) ^\"b\""}},  // glued: the typed parser refuses it
        {"a X \x01\r\n", {"error syntax tag=a"}},
        {"a X caf\xc3\xa9\r\n", {"error syntax tag=a"}},
        {"a X {3} y\r\n", {"error bad_literal tag=a"}},
        {"a X {x}\r\n", {"error bad_literal tag=a"}},
        {"a X {99999999999999999999999}\r\nb NOOP\r\n", {"error bad_literal tag=a", "command b NOOP"}},
        // A failed line ending in a non-synchronizing literal: its octets are skipped too.
        {"a X \"unterminated {3+}\r\nabc\r\nb NOOP\r\n", {"error syntax tag=a", "command b NOOP"}},
        {"a X ) {3+}\r\nabc more {2+}\r\nxy\r\nb NOOP\r\n", {"error syntax tag=a", "command b NOOP"}},
        // ... a synchronizing one never comes.
        {"a X ) {3}\r\nb NOOP\r\n", {"error syntax tag=a", "command b NOOP"}},
        {"a X {99999999999999999999999+}\r\n", {"error literal_too_large tag=a fatal [TOOBIG]"}},
    });
}

TEST(ImapCommandReader, StructuralLimits) {
    test::driver d;
    d.lim.max_line_bytes = 40;
    d.lim.max_command_bytes = 60;
    d.lim.max_nesting_depth = 3;
    d.lim.max_arguments = 5;
    d.lim.max_tag_bytes = 4;
    check(
        {
            {"a X (((b)))\r\nb NOOP\r\n", {"command a X (((b)))", "command b NOOP"}},
            {"a X ((((b))))\r\nb NOOP\r\n", {"error too_deep tag=a", "command b NOOP"}},
            {"a X 1 2 3 4 5\r\n", {"command a X 1 2 3 4 5"}},
            {"a X 1 2 3 4 5 6\r\nb NOOP\r\n", {"error too_many_arguments tag=a", "command b NOOP"}},
            {"abcd NOOP\r\n", {"command abcd NOOP"}},
            {"abcde NOOP\r\n", {"error bad_tag tag="}},
            // A line over the limit: its end was not seen, so BYE.
            {"a X " + std::string(40, 'y') + "\r\nb NOOP\r\n", {"error line_too_long tag= fatal"}},
            // The command over max_command_bytes across literal continuations.
            {"a X {20}\r\n01234567890123456789 {20}\r\n01234567890123456789 {3+}\r\nabc\r\nb NOOP\r\n",
             {"literal 20 sync tag=a", "literal 20 sync tag=a", "error command_too_long tag=a", "command b NOOP"}},
        },
        d);
}

// Limits count per command: a long pipelined session never adds up, and a
// command left in place (command(), not take_command()) is replaced.
TEST(ImapCommandReader, CountsStartAgainWithEachCommand) {
    limits lim;
    lim.max_command_bytes = 40;
    lim.max_arguments = 3;
    lim.max_append_messages = 1;
    lim.max_append_total_bytes = 5;
    proto::input_buffer in(lim.max_line_bytes);
    command_reader r(in, lim);
    for (int i = 0; i < 100; ++i) {
        in.append("t" + std::to_string(i) + " APPEND INBOX {5}\r\n");
        ASSERT_EQ(r.next(), command_reader::status::literal_wanted) << i;
        ASSERT_EQ(r.literal().limit, 5u) << i;
        r.accept_literal();
        in.append("hello\r\n");
        ASSERT_EQ(r.next(), command_reader::status::command) << i;
        EXPECT_EQ(r.command().tag, "t" + std::to_string(i));
        ASSERT_EQ(r.command().args.size(), 2u) << i;
        EXPECT_EQ(r.command().args[1].text, "hello");
    }
}

TEST(ImapCommandReader, ArgumentsSoFarAndReset) {
    limits lim;
    proto::input_buffer in(lim.max_line_bytes);
    command_reader r(in, lim);
    EXPECT_TRUE(r.idle());
    in.append("a APPEND Drafts (\\Draft) {3}\r\n");
    ASSERT_EQ(r.next(), command_reader::status::literal_wanted);
    EXPECT_EQ(r.next(), command_reader::status::literal_wanted);  // no input consumed while waiting
    ASSERT_EQ(r.arguments_so_far().size(), 2u);
    EXPECT_EQ(r.arguments_so_far()[0].text, "Drafts");
    EXPECT_TRUE(r.literal().message);
    EXPECT_EQ(r.literal().limit, lim.max_message_bytes);
    EXPECT_FALSE(r.idle());
    r.reset();
    in.clear();
    EXPECT_TRUE(r.idle());
    in.append("b NOOP\r\n");
    ASSERT_EQ(r.next(), command_reader::status::command);
    EXPECT_EQ(r.command().tag, "b");
    const auto cmd = r.take_command();
    EXPECT_EQ(cmd.name, "NOOP");
    EXPECT_EQ(r.next(), command_reader::status::need_more);
}

}  // namespace
}  // namespace mailroom::imap
