#include "proto/imap/command_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "command_summary.hpp"
#include "reader_driver.hpp"

namespace mailroom::imap {
namespace {

using namespace std::string_literals;

// The command read whole and byte by byte, then parsed: "BAD <kind>" on a
// parse failure, the summary otherwise; both reads must agree.
std::string parsed(const std::string& line) {
    const limits lim;
    const auto whole = test::read_one(line);
    const auto bytewise = test::read_one(line, 1);
    EXPECT_EQ(test::render(whole), test::render(bytewise)) << line;
    if (whole.tag == "?") return "READER FAILED";
    auto r = parse_command(whole, lim);
    EXPECT_NE(r.cmd.has_value(), r.failure.has_value());
    if (r.failure) {
        EXPECT_FALSE(r.failure->text.empty());
        return r.failure->kind == parse_failure_kind::unknown_command ? "BAD unknown" : "BAD syntax";
    }
    return test::summary(*r.cmd);
}

struct parser_case {
    std::string line;
    std::string want;
};

void check(const std::vector<parser_case>& cases) {
    for (const auto& c : cases) EXPECT_EQ(parsed(c.line), c.want) << c.line;
}

TEST(ImapCommandParser, AnyStateAndNotAuthenticated) {
    check({
        {"a CAPABILITY\r\n", "a CAPABILITY"},
        {"a capability\r\n", "a CAPABILITY"},
        {"a NOOP\r\n", "a NOOP"},
        {"a LOGOUT\r\n", "a LOGOUT"},
        {"a ID NIL\r\n", "a ID NIL"},
        {"a ID (\"name\" \"imaplib\" \"version\" NIL)\r\n", "a ID name=imaplib version=NIL"},
        {"a ID ()\r\n", "a ID"},
        {"a STARTTLS\r\n", "a STARTTLS"},
        {"a AUTHENTICATE PLAIN\r\n", "a AUTHENTICATE PLAIN"},
        {"a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n", "a AUTHENTICATE PLAIN ir=AGFsaWNlAHNlY3JldA=="},
        {"a AUTHENTICATE EXTERNAL =\r\n", "a AUTHENTICATE EXTERNAL ir=="},
        {"a LOGIN alice secret\r\n", "a LOGIN alice secret"},
        {"a LOGIN \"alice@example.test\" {8}\r\npa ss\"wd\r\n", "a LOGIN alice@example.test pa ss\"wd"},
        {"a ENABLE IMAP4rev2 CONDSTORE UTF8=ACCEPT\r\n", "a ENABLE IMAP4rev2,CONDSTORE,UTF8=ACCEPT"},
        {"a IDLE\r\n", "a IDLE"},
    });
    check({
        {"a CAPABILITY x\r\n", "BAD syntax"},
        {"a NOOP (x)\r\n", "BAD syntax"},
        {"a ID\r\n", "BAD syntax"},
        {"a ID (\"name\")\r\n", "BAD syntax"},
        {"a ID (name \"x\")\r\n", "BAD syntax"},  // field is a string, not an atom
        {"a ID (\"" + std::string(31, 'f') + "\" NIL)\r\n", "BAD syntax"},
        {"a AUTHENTICATE\r\n", "BAD syntax"},
        {"a AUTHENTICATE \"PLAIN\"\r\n", "BAD syntax"},
        {"a AUTHENTICATE PLAIN abc\r\n", "BAD syntax"},
        {"a AUTHENTICATE PLAIN a=bc\r\n", "BAD syntax"},
        {"a AUTHENTICATE PLAIN AAAA AAAA\r\n", "BAD syntax"},
        {"a LOGIN alice\r\n", "BAD syntax"},
        {"a LOGIN alice (x)\r\n", "BAD syntax"},
        {"a LOGIN alice secret more\r\n", "BAD syntax"},
        {"a LOGIN alice ~{1}\r\nx\r\n", "BAD syntax"},
        {"a ENABLE\r\n", "BAD syntax"},
        {"a ENABLE \"X\"\r\n", "BAD syntax"},
        {"a FOO\r\n", "BAD unknown"},
        {"a UID\r\n", "BAD unknown"},
        {"a UID NOOP\r\n", "BAD unknown"},
        {"a UID \"FETCH\" 1 FLAGS\r\n", "BAD unknown"},
    });
}

TEST(ImapCommandParser, MailboxCommands) {
    check({
        {"a SELECT INBOX\r\n", "a SELECT INBOX"},
        {"a EXAMINE \"Sent Items\"\r\n", "a EXAMINE Sent Items"},
        {"a SELECT {4}\r\nNIL!\r\n", "a SELECT NIL!"},
        {"a SELECT NIL\r\n", "a SELECT NIL"},  // a mailbox may be called NIL (astring)
        {"a SELECT INBOX (CONDSTORE)\r\n", "a SELECT INBOX condstore"},
        {"a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
         "a SELECT INBOX qresync=67890007/20050715194045000/41:41,43:211,214:541"},
        {"a SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:10 41:50)))\r\n",
         "a SELECT INBOX qresync=67890007/90060115194045000/41:211,214:541/1:10=41:50"},
        {"a SELECT INBOX (QRESYNC (1 2 (1 5)))\r\n", "a SELECT INBOX qresync=1/2/1:1=5:5"},
        {"a CREATE Archive\r\n", "a CREATE Archive"},
        {"a CREATE MyTrash (USE (\\Trash))\r\n", "a CREATE MyTrash use=\\Trash"},
        {"a DELETE Junk\r\n", "a DELETE Junk"},
        {"a RENAME Old \"New/Name\"\r\n", "a RENAME Old New/Name"},
        {"a SUBSCRIBE Work\r\n", "a SUBSCRIBE Work"},
        {"a UNSUBSCRIBE Work\r\n", "a UNSUBSCRIBE Work"},
        {"a LIST \"\" *\r\n", "a LIST sel= ref= pat=*"},
        {"a LIST \"\" \"\"\r\n", "a LIST sel= ref= pat="},
        {"a LIST ~/Mail/ %/x]\r\n", "a LIST sel= ref=~/Mail/ pat=%/x]"},
        {"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"Work/*\") RETURN (CHILDREN SPECIAL-USE)\r\n",
         "a LIST-EXT sel=SUBSCRIBED,RECURSIVEMATCH ref= pat=INBOX,Work/* ret-children ret-special-use"},
        {"a LIST (special-use) \"\" *\r\n", "a LIST-EXT sel=SPECIAL-USE ref= pat=*"},
        {"a LIST \"\" % RETURN (SUBSCRIBED STATUS (MESSAGES UNSEEN SIZE))\r\n",
         "a LIST-EXT sel= ref= pat=% ret-subscribed ret-status=messages,unseen,size"},
        {"a LIST () \"\" % RETURN ()\r\n", "a LIST-EXT sel= ref= pat=%"},
        {"a LSUB \"\" *\r\n", "a LSUB ref= pat=*"},
        {"a NAMESPACE\r\n", "a NAMESPACE"},
        {"a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT)\r\n",
         "a STATUS INBOX messages,recent,uidnext,uidvalidity,unseen,deleted,size,highestmodseq,appendlimit"},
        // QUOTA (RFC 9208)
        {"a GETQUOTA \"\"\r\n", "a GETQUOTA root="},
        {"a getquotaroot {5+}\r\nINBOX\r\n", "a GETQUOTAROOT INBOX"},
        {"a SETQUOTA \"\" (STORAGE 512 MESSAGE 9)\r\n", "a SETQUOTA root= STORAGE=512 MESSAGE=9"},
        {"a SETQUOTA \"\" ()\r\n", "a SETQUOTA root="},
        {"a GETQUOTA\r\n", "BAD syntax"},
        {"a SETQUOTA \"\" (STORAGE)\r\n", "BAD syntax"},
        {"a SETQUOTA \"\" (STORAGE -1)\r\n", "BAD syntax"},
    });
    check({
        {"a SELECT\r\n", "BAD syntax"},
        {"a SELECT (INBOX)\r\n", "BAD syntax"},
        {"a SELECT INBOX ()\r\n", "BAD syntax"},
        {"a SELECT INBOX (FOO)\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC)\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC (0 1))\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC (1))\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC (1 2 $))\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC (1 2 1:5 (1:2)))\r\n", "BAD syntax"},
        {"a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))\r\n", "BAD syntax"},
        {"a SELECT INBOX (CONDSTORE) x\r\n", "BAD syntax"},
        {"a CREATE\r\n", "BAD syntax"},
        {"a CREATE X (USE (Trash))\r\n", "BAD syntax"},
        {"a CREATE X (FOO (\\Trash))\r\n", "BAD syntax"},
        {"a RENAME Old\r\n", "BAD syntax"},
        {"a DELETE\r\n", "BAD syntax"},
        {"a LIST \"\"\r\n", "BAD syntax"},
        {"a LIST (FOO) \"\" *\r\n", "BAD syntax"},
        {"a LIST (RECURSIVEMATCH) \"\" *\r\n", "BAD syntax"},
        {"a LIST \"\" ()\r\n", "BAD syntax"},
        {"a LIST \"\" * RETURN (FOO)\r\n", "BAD syntax"},
        {"a LIST \"\" * RETURN (STATUS ())\r\n", "BAD syntax"},
        {"a LIST \"\" * RETURN\r\n", "BAD syntax"},
        {"a LIST \"\" * EXTRA\r\n", "BAD syntax"},
        {"a LSUB \"\"\r\n", "BAD syntax"},
        {"a STATUS INBOX\r\n", "BAD syntax"},
        {"a STATUS INBOX ()\r\n", "BAD syntax"},
        {"a STATUS INBOX (MESSAGES FOO)\r\n", "BAD syntax"},
        {"a STATUS INBOX MESSAGES\r\n", "BAD syntax"},
    });
}

TEST(ImapCommandParser, Append) {
    check({
        {"a APPEND INBOX {5}\r\nhello\r\n", "a APPEND INBOX [flags= data=hello]"},
        {"a APPEND INBOX (\\Seen $Label) \"17-Jul-1996 02:44:25 -0700\" {2+}\r\nhi\r\n",
         "a APPEND INBOX [flags=\\Seen,$Label date=1996/-420 data=hi]"},
        {"a APPEND INBOX () {2}\r\nhi\r\n", "a APPEND INBOX [flags= data=hi]"},
        {"a APPEND Drafts ~{3}\r\na\0b\r\n"s, "a APPEND Drafts [flags= binary=a\0b]"s},
        {"a APPEND INBOX {1}\r\nx (\\Draft) {1}\r\ny \" 1-Jan-2000 00:00:00 +0000\" {1}\r\nz\r\n",
         "a APPEND INBOX [flags= data=x] [flags=\\Draft data=y] [flags= date=2000/0 data=z]"},
        {"a APPEND INBOX CATENATE (URL \"/Drafts;UIDVALIDITY=1/;UID=2\" TEXT {3}\r\nabc)\r\n",
         "a APPEND INBOX [flags= url=/Drafts;UIDVALIDITY=1/;UID=2 text=abc]"},
        {"a APPEND INBOX UTF8 (~{2}\r\nhi)\r\n", "a APPEND INBOX [flags= binary=hi]"},
    });
    check({
        {"a APPEND INBOX\r\n", "BAD syntax"},
        {"a APPEND INBOX \"hello\"\r\n", "BAD syntax"},
        {"a APPEND INBOX (\\Seen)\r\n", "BAD syntax"},
        {"a APPEND INBOX ((x)) {1}\r\nx\r\n", "BAD syntax"},
        {"a APPEND INBOX (\\*) {1}\r\nx\r\n", "BAD syntax"},
        {"a APPEND INBOX \"31-Feb-2000 00:00:00 +0000\" {1}\r\nx\r\n", "BAD syntax"},
        {"a APPEND INBOX \"1-Jan-2000 00:00:00 +0000\" {1}\r\nx\r\n", "BAD syntax"},
        {"a APPEND INBOX {1}\r\nx y\r\n", "BAD syntax"},
        {"a APPEND INBOX CATENATE ()\r\n", "BAD syntax"},
        {"a APPEND INBOX CATENATE (TEXT \"abc\")\r\n", "BAD syntax"},
        {"a APPEND INBOX CATENATE (URL)\r\n", "BAD syntax"},
        {"a APPEND INBOX CATENATE (FOO \"x\")\r\n", "BAD syntax"},
        {"a APPEND INBOX UTF8 ({2}\r\nhi)\r\n", "BAD syntax"},
        {"a APPEND INBOX CATENATE\r\n", "BAD syntax"},
    });
}

TEST(ImapCommandParser, SelectedCommands) {
    check({
        {"a CHECK\r\n", "a CHECK"},
        {"a CLOSE\r\n", "a CLOSE"},
        {"a UNSELECT\r\n", "a UNSELECT"},
        {"a EXPUNGE\r\n", "a EXPUNGE"},
        {"a UID EXPUNGE 3000:3002\r\n", "a UID EXPUNGE 3000:3002"},
        {"a SEARCH ALL\r\n", "a SEARCH keys=1"},
        {"a SEARCH CHARSET UTF-8 FROM {4}\r\nJ\xc3\xb6"
         "e SEEN\r\n",
         "a SEARCH charset=UTF-8 keys=2"},
        {"a SEARCH CHARSET \"US-ASCII\" ALL\r\n", "a SEARCH charset=US-ASCII keys=1"},
        {"a UID SEARCH RETURN (MIN MAX COUNT) UNSEEN\r\n", "a UID SEARCH ret=min,max,count, keys=1"},
        {"a SEARCH RETURN () 1:5\r\n", "a SEARCH ret=all, keys=1"},
        {"a SEARCH RETURN (SAVE) CHARSET UTF-8 OR SEEN DELETED\r\n", "a SEARCH ret=save, charset=UTF-8 keys=1"},
        {"a SEARCH $ MODSEQ 5\r\n", "a SEARCH keys=2"},
        {"a FETCH 1:* (FLAGS)\r\n", "a FETCH 1:0 items=1"},
        {"a FETCH 2,4 ALL\r\n", "a FETCH 2:2,4:4 items=4"},
        {"a FETCH 1 BODY[HEADER.FIELDS (From)]<0.100>\r\n", "a FETCH 1:1 items=1"},
        {"a FETCH $ (UID BODY.PEEK[1.MIME])\r\n", "a FETCH $ items=2"},
        {"a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n", "a FETCH 1:0 items=1 changedsince=12345"},
        {"a FETCH 1 BODY[HEADER.FIELDS (From)] (CHANGEDSINCE 1)\r\n", "a FETCH 1:1 items=1 changedsince=1"},
        {"a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
         "a UID FETCH 300:500 items=1 changedsince=12345 vanished"},
        {"a STORE 2:4 +FLAGS (\\Deleted)\r\n", "a STORE 2:4 +FLAGS \\Deleted"},
        {"a STORE 1 -flags.silent \\Seen \\Flagged\r\n", "a STORE 1:1 -FLAGS.SILENT \\Seen,\\Flagged"},
        {"a STORE 1 FLAGS ()\r\n", "a STORE 1:1 FLAGS "},
        {"a UID STORE 1:* (UNCHANGEDSINCE 320162338) +FLAGS.SILENT ($Junk)\r\n",
         "a UID STORE 1:0 unchangedsince=320162338 +FLAGS.SILENT $Junk"},
        {"a COPY 2:4 Archive\r\n", "a COPY 2:4 Archive"},
        {"a UID COPY 5 \"Sent Items\"\r\n", "a UID COPY 5:5 Sent Items"},
        {"a MOVE 1:3 Trash\r\n", "a MOVE 1:3 Trash"},
        {"a UID MOVE $ Trash\r\n", "a UID MOVE $ Trash"},
        {"a SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n", "a SORT -2 5 charset=UTF-8 keys=1"},
        {"a UID SORT (ARRIVAL CC FROM SIZE TO DISPLAYFROM DISPLAYTO) US-ASCII SEEN FROM x\r\n",
         "a UID SORT 0 1 3 4 6 7 8 charset=US-ASCII keys=2"},
        {"a THREAD REFERENCES UTF-8 ALL\r\n", "a THREAD REFERENCES charset=UTF-8 keys=1"},
        {"a UID THREAD orderedsubject \"US-ASCII\" SINCE 1-Jan-2024\r\n",
         "a UID THREAD ORDEREDSUBJECT charset=US-ASCII keys=1"},
    });
    check({
        {"a EXPUNGE 1\r\n", "BAD syntax"},
        {"a UID EXPUNGE\r\n", "BAD syntax"},
        {"a SEARCH\r\n", "BAD syntax"},
        {"a SEARCH CHARSET\r\n", "BAD syntax"},
        {"a SEARCH CHARSET UTF-8\r\n", "BAD syntax"},
        {"a SEARCH RETURN (FOO) ALL\r\n", "BAD syntax"},
        {"a SEARCH RETURN ALL\r\n", "BAD syntax"},
        {"a SEARCH (SEEN)(DELETED)\r\n", "READER FAILED"},
        {"a FETCH\r\n", "BAD syntax"},
        {"a FETCH 1\r\n", "BAD syntax"},
        {"a FETCH 0 FLAGS\r\n", "BAD syntax"},
        {"a FETCH 1 FOO\r\n", "BAD syntax"},
        {"a FETCH 1 FLAGS UID\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) ()\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE)\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) (FOO)\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n", "BAD syntax"},  // VANISHED is UID FETCH only
        {"a UID FETCH 1 (FLAGS) (VANISHED)\r\n", "BAD syntax"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 1) (VANISHED)\r\n", "BAD syntax"},
        {"a STORE 1\r\n", "BAD syntax"},
        {"a STORE 1 FLAGS\r\n", "BAD syntax"},
        {"a STORE 1 LABELS (x)\r\n", "BAD syntax"},
        {"a STORE 1 +FLAGS (\\Seen) x\r\n", "BAD syntax"},
        {"a STORE 1 FLAGS \"Seen\"\r\n", "BAD syntax"},
        {"a STORE 1 (UNCHANGEDSINCE) FLAGS (x)\r\n", "BAD syntax"},
        {"a STORE 1 (FOO 1) FLAGS (x)\r\n", "BAD syntax"},
        {"a COPY 1\r\n", "BAD syntax"},
        {"a COPY x Trash\r\n", "BAD syntax"},
        {"a MOVE 1 Trash Junk\r\n", "BAD syntax"},
        {"a SORT DATE UTF-8 ALL\r\n", "BAD syntax"},
        {"a SORT () UTF-8 ALL\r\n", "BAD syntax"},
        {"a SORT (REVERSE) UTF-8 ALL\r\n", "BAD syntax"},
        {"a SORT (DATE) UTF-8\r\n", "BAD syntax"},
        {"a SORT (FOO) UTF-8 ALL\r\n", "BAD syntax"},
        {"a THREAD FOO UTF-8 ALL\r\n", "BAD syntax"},
        {"a THREAD REFERENCES UTF-8\r\n", "BAD syntax"},
        {"a SELECT (x)y\r\n", "BAD syntax"},  // glued tokens outside FETCH
    });
}

TEST(ImapCommandParser, LimitsAndHelpers) {
    limits lim;
    lim.max_append_messages = 2;
    auto raw = test::read_one("a APPEND INBOX {1}\r\nx {1}\r\ny {1}\r\nz\r\n");
    ASSERT_EQ(raw.tag, "a");
    EXPECT_TRUE(parse_command(raw, limits{}).cmd);
    EXPECT_TRUE(parse_command(raw, lim).failure);
    lim = {};
    lim.max_sequence_ranges = 2;
    EXPECT_TRUE(parse_command(test::read_one("a FETCH 1,2 FLAGS\r\n"), lim).cmd);
    EXPECT_TRUE(parse_command(test::read_one("a FETCH 1,2,3 FLAGS\r\n"), lim).failure);
    lim = {};
    lim.max_search_keys = 2;
    auto deep = parse_command(test::read_one("a SEARCH SEEN DELETED DRAFT\r\n"), lim);
    ASSERT_TRUE(deep.failure);
    EXPECT_EQ(deep.failure->kind, parse_failure_kind::too_complex);
    // A streamed message reaches APPEND as its size.
    test::driver d;
    d.policy = test::literal_policy::stream_messages;
    d.run("a APPEND INBOX (\\Seen) {5}\r\nhello CATENATE (URL \"/x\" TEXT {3}\r\nabc)\r\n");
    ASSERT_EQ(d.commands.size(), 1u);
    auto streamed = parse_command(d.commands[0], limits{});
    ASSERT_TRUE(streamed.cmd);
    const auto& append = std::get<append_command>(streamed.cmd->args);
    ASSERT_EQ(append.messages.size(), 2u);
    EXPECT_TRUE(append.messages[0].streamed);
    EXPECT_EQ(append.messages[0].streamed_size, 5u);
    EXPECT_TRUE(append.messages[0].data.empty());
    ASSERT_TRUE(append.messages[1].catenate);
    EXPECT_FALSE((*append.messages[1].catenate)[0].streamed);
    EXPECT_TRUE((*append.messages[1].catenate)[1].streamed);
    EXPECT_EQ((*append.messages[1].catenate)[1].streamed_size, 3u);
    EXPECT_EQ(d.streamed, "helloabc");
    EXPECT_TRUE(is_idle_done("DONE"));
    EXPECT_TRUE(is_idle_done("done"));
    EXPECT_FALSE(is_idle_done("DONE "));
    EXPECT_FALSE(is_idle_done("a DONE"));
}

}  // namespace
}  // namespace mailroom::imap
