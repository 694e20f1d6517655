// RFC 5256: base subject extraction (§2.1), Date: parsing, SORT keys and
// order, THREAD=ORDEREDSUBJECT and THREAD=REFERENCES, and run_search
// putting evaluation and ordering together.
#include "server/imap_search/sort_thread.hpp"

#include <gtest/gtest.h>

#include "fake_source.hpp"
#include "mail/mime/casemap.hpp"
#include "server/imap_search/base_subject.hpp"
#include "server/imap_search/message_facts.hpp"
#include "server/imap_search/run.hpp"

namespace mailroom::imap_search {
namespace {

using imap::thread_node;
using V = std::vector<std::uint32_t>;

TEST(BaseSubject, LeadersTrailersBlobsAndForwards) {
    EXPECT_EQ(base_subject("Re: hello").text, "hello");
    EXPECT_TRUE(base_subject("Re: hello").reply);
    EXPECT_FALSE(base_subject("hello").reply);
    EXPECT_EQ(base_subject("RE: Fwd: re:hello").text, "hello");
    EXPECT_EQ(base_subject("Fw: hello").text, "hello");
    EXPECT_EQ(base_subject("Re[2]: hello").text, "hello");      // subj-refwd with a blob
    EXPECT_EQ(base_subject("[list] Re: hello").text, "hello");  // blob before the leader
    EXPECT_EQ(base_subject("[list] hello").text, "hello");      // step (4)
    EXPECT_EQ(base_subject("[list]").text, "[list]");           // nothing left: the blob stays
    EXPECT_EQ(base_subject("hello (fwd)").text, "hello");       // step (2)
    EXPECT_TRUE(base_subject("hello (fwd)").reply);
    EXPECT_EQ(base_subject("hello (FWD) (fwd)  ").text, "hello");
    EXPECT_EQ(base_subject("[Fwd: Re: hello]").text, "hello");  // step (6), then (3) again
    EXPECT_TRUE(base_subject("[fwd: hello]").reply);
    EXPECT_EQ(base_subject("  hello \t  world  ").text, "hello world");  // step (1)
    EXPECT_EQ(base_subject("Re:").text, "");
    EXPECT_EQ(base_subject("Reply: hello").text, "Reply: hello");  // "re" must be followed by ":" (or blob)
    EXPECT_EQ(base_subject("").text, "");
}

TEST(DateHeader, ZonesAndObsoleteForms) {
    EXPECT_EQ(parse_date_header("Thu, 11 Jan 2024 08:00:00 +0000"), 1704960000);
    EXPECT_EQ(parse_date_header("11 Jan 2024 09:30:00 +0130"), 1704960000);
    EXPECT_EQ(parse_date_header("Wed, 10 Jan 2024 23:00 -0900"), 1704960000);  // no seconds
    EXPECT_EQ(parse_date_header("Thu, 11 Jan 24 03:00:00 EST"), 1704960000);   // 2-digit year, obs-zone
    EXPECT_EQ(parse_date_header("Thu (day), 11 Jan 2024 08:00:00 GMT (UTC)"), 1704960000);
    EXPECT_FALSE(parse_date_header("yesterday"));
    EXPECT_FALSE(parse_date_header("11 Foo 2024 08:00:00 +0000"));
    EXPECT_FALSE(parse_date_header("11 Jan 2024 25:00:00 +0000"));
}

TEST(MessageIds, InOrderWithoutBrackets) {
    EXPECT_EQ(message_ids("<a@x> <b@y>\n <c@z>"), (std::vector<std::string>{"a@x", "b@y", "c@z"}));
    EXPECT_TRUE(message_ids("none").empty());
}

imap::message_state state(std::uint32_t uid, std::int64_t when, std::uint64_t size) {
    imap::message_state m;
    m.uid = uid;
    m.internal_date = when;
    m.size = size;
    return m;
}

TEST(Facts, FromTheHeader) {
    const auto f = facts_of(
        "From: \"Zed Z\" <Zed@Example.test>\nTo: =?UTF-8?Q?=C3=89ve?= <eve@x.test>\nSubject: Re: [list] Hi\n"
        "Date: Thu, 11 Jan 2024 08:00:00 +0000\nMessage-ID: <m1@x>\nIn-Reply-To: <p@x>\n\n",
        state(5, 100, 42), 2);
    EXPECT_EQ(f.seq, 2u);
    EXPECT_EQ(f.sent, 1704960000);
    EXPECT_TRUE(f.reply);
    EXPECT_EQ(f.subject, mime::casemap_key("Hi"));
    EXPECT_EQ(f.from, mime::casemap_key("zed"));  // the addr-mailbox (RFC 5256 §3 FROM)
    EXPECT_EQ(f.display_to, mime::casemap_key("\xc3\x89ve"));
    EXPECT_EQ(f.message_id, "m1@x");
    EXPECT_EQ(f.references, (std::vector<std::string>{"p@x"}));
    // No Date: the internal date stands in (RFC 5256 §2.2).
    EXPECT_EQ(facts_of("Subject: x\n\n", state(5, 100, 42), 1).sent, 100);
}

message_facts fact(std::uint32_t seq, std::string subject, std::int64_t sent, std::string id = {},
                   std::vector<std::string> refs = {}) {
    message_facts f;
    f.seq = seq;
    auto b = base_subject(subject);
    f.subject = mime::casemap_key(b.text);
    f.reply = b.reply;
    f.sent = sent;
    f.arrival = 1000 - sent;
    f.size = seq * 10;
    f.message_id = std::move(id);
    f.references = std::move(refs);
    return f;
}

TEST(Sort, CriteriaReverseAndTies) {
    std::vector<message_facts> m = {fact(1, "b", 30), fact(2, "Re: a", 10), fact(3, "B", 20), fact(4, "a", 40)};
    using imap::sort_key;
    auto by = [&](std::vector<imap::sort_criterion> c) { return sort_messages(m, c); };
    EXPECT_EQ(by({{false, sort_key::subject}}), (V{2, 4, 1, 3}));  // ties by sequence number
    EXPECT_EQ(by({{false, sort_key::subject}, {true, sort_key::date}}), (V{4, 2, 1, 3}));
    EXPECT_EQ(by({{false, sort_key::date}}), (V{2, 3, 1, 4}));
    EXPECT_EQ(by({{false, sort_key::arrival}}), (V{4, 1, 3, 2}));
    EXPECT_EQ(by({{true, sort_key::size}}), (V{4, 3, 2, 1}));
    m[0].from = "x", m[1].from = "a", m[2].from = "", m[3].from = "a";
    EXPECT_EQ(by({{false, sort_key::from}}), (V{3, 2, 4, 1}));  // no From sorts first
}

std::string render(const std::vector<thread_node>& ts);
std::string render_one(const thread_node& n) {
    std::string s = "(";
    if (n.seq) s += std::to_string(n.seq);
    for (const auto& c : n.children) s += (n.seq ? " " : "") + render_one(c);
    return s + ")";
}
std::string render(const std::vector<thread_node>& ts) {
    std::string s;
    for (const auto& t : ts) s += render_one(t);
    return s;
}

TEST(Thread, OrderedSubject) {
    std::vector<message_facts> m = {fact(1, "hello", 50), fact(2, "Re: hello", 60), fact(3, "other", 10),
                                    fact(4, "re: HELLO", 55)};
    // hello's thread dated by its first message (50) comes after other (10).
    EXPECT_EQ(render(thread_messages(m, imap::thread_algorithm::orderedsubject)), "(3)(1 (4) (2))");
}

TEST(Thread, ReferencesParentsAndPlaceholders) {
    // 1 <- 2 <- 3 by References; 4 replies to a message we do not have,
    // which also 5 replies to: a placeholder holding both.
    std::vector<message_facts> m = {
        fact(1, "a", 10, "1@x"),
        fact(2, "Re: a", 20, "2@x", {"1@x"}),
        fact(3, "Re: a", 30, "3@x", {"1@x", "2@x"}),
        fact(4, "b", 40, "4@x", {"gone@x"}),
        fact(5, "c", 35, "5@x", {"gone@x"}),
        fact(6, "d", 5, "6@x"),
    };
    EXPECT_EQ(render(thread_messages(m, imap::thread_algorithm::references)), "(6)(1 (2 (3)))((5)(4))");
}

TEST(Thread, ReferencesGroupsBySubjectAndSurvivesLoopsAndDuplicates) {
    std::vector<message_facts> m = {
        fact(1, "topic", 10, "1@x"),
        fact(2, "Re: topic", 20, "2@x"),      // no references: joined by subject, a reply under 1
        fact(3, "topic", 30, "3@x"),          // same subject, not a reply: 1 and 3 under a placeholder
        fact(4, "loop", 40, "4@x", {"5@x"}),  // 4 and 5 name each other
        fact(5, "Re: loop", 50, "5@x", {"4@x"}),
        fact(6, "dup", 60, "1@x"),  // a duplicate Message-ID is a message of its own
    };
    EXPECT_EQ(render(thread_messages(m, imap::thread_algorithm::references)), "((1 (2))(3))(5 (4))(6)");
}

TEST(RunSearch, SortAndThreadTheMatches) {
    test::fake_source src;
    src.messages[10] =
        "Subject: Re: b\nDate: Thu, 11 Jan 2024 08:00:00 +0000\nMessage-ID: <b2@x>\nReferences: <b1@x>\n\n.\n";
    src.messages[11] = "Subject: b\nDate: Wed, 10 Jan 2024 08:00:00 +0000\nMessage-ID: <b1@x>\n\n.\n";
    src.messages[12] = "Subject: a\nDate: Fri, 12 Jan 2024 08:00:00 +0000\n\n.\n";
    imap::search_messages req;
    req.view = {state(10, 1, 1), state(11, 2, 2), state(12, 3, 3)};
    req.view[2].flags = imap::flag_deleted;
    req.program.op = imap::search_op::all;
    req.kind = imap::search_kind::sort;
    req.criteria = {{false, imap::sort_key::subject}};
    EXPECT_EQ(run_search(req, src).seqs, (V{3, 1, 2}));
    req.criteria = {{false, imap::sort_key::date}};
    EXPECT_EQ(run_search(req, src).seqs, (V{2, 1, 3}));
    req.kind = imap::search_kind::thread;
    req.program.op = imap::search_op::undeleted;
    auto out = run_search(req, src);
    EXPECT_EQ(render(out.threads), "(2 (1))");
    EXPECT_TRUE(out.seqs.empty());
}

}  // namespace
}  // namespace mailroom::imap_search
