// Unit tests of the imap::client response decoders (LIST, STATUS, SEARCH,
// ESEARCH, FETCH, codes, sequence sets): each decodes what a server sends
// and refuses what it should not trust.
#include "proto/imap/client/responses.hpp"

#include <gtest/gtest.h>

namespace mailroom::imap::client {
namespace {

response read_one(const std::string& wire) {
    response_reader r;
    r.feed(wire);
    for (;;) {
        auto ev = r.next();
        if (auto* x = std::get_if<response>(&ev)) return *x;
        if (std::holds_alternative<reader_error>(ev) || std::holds_alternative<std::monostate>(ev))
            throw std::runtime_error("no response in " + wire);
    }
}

TEST(ImapClientResponses, List) {
    auto e = parse_list(read_one("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->attributes, (std::vector<std::string>{"\\HasNoChildren", "\\Sent"}));
    EXPECT_EQ(e->delimiter, "/");
    EXPECT_EQ(e->name, "Sent Items");
    auto n = parse_list(read_one("* LSUB () NIL INBOX\r\n"));
    ASSERT_TRUE(n);
    EXPECT_EQ(n->delimiter, "");
    EXPECT_FALSE(parse_list(read_one("* LIST () \"//\" x\r\n")));
    EXPECT_FALSE(parse_list(read_one("* LIST \"/\" x\r\n")));
    EXPECT_FALSE(parse_list(read_one("* STATUS x (MESSAGES 1)\r\n")));
}

TEST(ImapClientResponses, Status) {
    auto s = parse_status(read_one("* STATUS {5}\r\nA Box (messages 3 UIDNEXT 8)\r\n"));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mailbox, "A Box");
    ASSERT_EQ(s->items.size(), 2u);
    EXPECT_EQ(s->items[0], (std::pair<std::string, std::uint64_t>{"MESSAGES", 3}));
    EXPECT_EQ(s->items[1].second, 8u);
    EXPECT_FALSE(parse_status(read_one("* STATUS x (MESSAGES)\r\n")));
    EXPECT_FALSE(parse_status(read_one("* STATUS x (MESSAGES y)\r\n")));
}

TEST(ImapClientResponses, SearchAndEsearch) {
    EXPECT_EQ(parse_search(read_one("* SEARCH 2 3 5\r\n")), (std::vector<std::uint64_t>{2, 3, 5}));
    EXPECT_EQ(parse_search(read_one("* SEARCH\r\n")), std::vector<std::uint64_t>{});
    EXPECT_FALSE(parse_search(read_one("* SEARCH 2 x\r\n")));
    auto e = parse_esearch(read_one("* ESEARCH (TAG \"A3\") UID ALL 4:7,9 COUNT 5 MIN 4\r\n"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->tag, "A3");
    EXPECT_TRUE(e->uid);
    EXPECT_EQ(e->all, "4:7,9");
    EXPECT_EQ(e->count, 5u);
    EXPECT_EQ(e->min, 4u);
    auto empty = parse_esearch(read_one("* ESEARCH (TAG \"A4\") UID\r\n"));
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->all, "");
    EXPECT_FALSE(parse_esearch(read_one("* ESEARCH (TAG \"A4\") UID ALL\r\n")));
}

TEST(ImapClientResponses, Fetch) {
    response_reader r;
    r.feed(
        "* 3 FETCH (UID 17 RFC822.SIZE 5 FLAGS (\\Seen $Junk) INTERNALDATE \"07-Dec-2026 08:00:00 +0000\" "
        "BODY[] {5}\r\nhello)\r\n");
    std::optional<response> got;
    for (auto ev = r.next(); !std::holds_alternative<std::monostate>(ev); ev = r.next())
        if (auto* x = std::get_if<response>(&ev)) got = *x;
    ASSERT_TRUE(got);
    auto f = parse_fetch(*got);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->seq, 3u);
    EXPECT_EQ(f->uid, 17u);
    EXPECT_EQ(f->size, 5u);
    EXPECT_EQ(f->flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
    EXPECT_EQ(f->internal_date, "07-Dec-2026 08:00:00 +0000");
    EXPECT_TRUE(f->has_body);
    EXPECT_FALSE(parse_fetch(read_one("* 3 FETCH (UID)\r\n")));
    EXPECT_FALSE(parse_fetch(read_one("* 3 EXPUNGE\r\n")));
}

TEST(ImapClientResponses, Codes) {
    auto v = read_one("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
    EXPECT_EQ(code_number(v.code, v.code_args, "UIDVALIDITY"), 3857529045u);
    EXPECT_FALSE(code_number(v.code, v.code_args, "UIDNEXT"));
    EXPECT_FALSE(code_number("UIDNEXT", "12x", "UIDNEXT"));
    auto a = parse_appenduid("APPENDUID", "38505 3955");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->uidvalidity, 38505u);
    EXPECT_EQ(a->uid, 3955u);
    EXPECT_FALSE(parse_appenduid("APPENDUID", "38505"));
    EXPECT_FALSE(parse_appenduid("APPENDUID", "38505 1:3"));
    EXPECT_FALSE(parse_appenduid("COPYUID", "1 2"));
}

TEST(ImapClientResponses, ExpandSet) {
    EXPECT_EQ(expand_set("1:3,7,9:8", 100), (std::vector<std::uint64_t>{1, 2, 3, 7, 8, 9}));
    EXPECT_FALSE(expand_set("1:*", 100));
    EXPECT_FALSE(expand_set("1,,2", 100));
    EXPECT_FALSE(expand_set("1:4294967295", 1000));  // bounded, not allocated
    EXPECT_FALSE(expand_set("1:5", 4));
    EXPECT_EQ(expand_set("1:4", 4)->size(), 4u);
}

}  // namespace
}  // namespace mailroom::imap::client
