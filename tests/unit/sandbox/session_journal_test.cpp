// sandbox::session_journal: recording, masking, bounds, events, JSON.
#include "sandbox/session_journal.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sandbox/session_json.hpp"

namespace mailroom::sandbox {
namespace {

TEST(SessionJournal, RecordsDialogueInOrderNewestSessionFirst) {
    session_journal j;
    auto a = j.open("pop3", "pop3", "127.0.0.1:1000");
    auto b = j.open("smtp", "smtp", "127.0.0.1:1001");
    EXPECT_EQ(a + 1, b);
    j.record(a, direction::server, "+OK ready\r\n");
    j.record(a, direction::client, "USER bob\r\n");
    j.set_user(a, "bob");
    j.set_tls(a, "starttls");
    j.close(a);
    auto all = j.list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, b);
    auto rec = j.get(a);
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->dialogue.size(), 3u);
    EXPECT_EQ(rec->dialogue[0].dir, direction::server);
    EXPECT_EQ(rec->dialogue[1].bytes, "USER bob\r\n");
    EXPECT_EQ(rec->dialogue[2].note, "TLS started (starttls)");
    EXPECT_EQ(rec->tls, "starttls");
    EXPECT_EQ(rec->user, "bob");
    EXPECT_TRUE(rec->ended.has_value());
    EXPECT_FALSE(j.get(b)->ended.has_value());
}

TEST(SessionJournal, MasksPasswordsUnlessShown) {
    session_journal j;
    auto p = j.open("pop3", "pop3", "peer");
    j.record(p, direction::client, "USER bob\r\nPASS s3cret\r\n");
    j.record(p, direction::client, "AUTH PLAIN AGJvYgBzM2NyZXQ=\r\n");
    j.record(p, direction::server, "+ \r\n");
    j.record(p, direction::client, "AGJvYgBzM2NyZXQ=\r\n");
    j.record(p, direction::client, "NOOP\r\n");
    auto rec = *j.get(p);
    EXPECT_EQ(rec.dialogue[0].bytes, "USER bob\r\nPASS ****\r\n");
    EXPECT_EQ(rec.dialogue[1].bytes, "AUTH PLAIN ****\r\n");
    EXPECT_EQ(rec.dialogue[3].bytes, "****\r\n");
    EXPECT_EQ(rec.dialogue[4].bytes, "NOOP\r\n");

    auto i = j.open("imap", "imap", "peer");
    j.record(i, direction::client, "a1 LOGIN bob hunter2\r\n");
    EXPECT_EQ(j.get(i)->dialogue[0].bytes, "a1 LOGIN bob ****\r\n");

    auto s = j.open("smtp", "submission", "peer");
    j.record(s, direction::client, "AUTH LOGIN\r\n");
    j.record(s, direction::server, "334 VXNlcm5hbWU6\r\n");
    j.record(s, direction::client, "Ym9i\r\n");
    EXPECT_EQ(j.get(s)->dialogue[2].bytes, "****\r\n");

    session_journal shown({}, true);
    auto q = shown.open("pop3", "pop3", "peer");
    shown.record(q, direction::client, "PASS s3cret\n");
    EXPECT_EQ(shown.get(q)->dialogue[0].bytes, "PASS s3cret\n");
}

TEST(SessionJournal, BoundsSessionsAndBytes) {
    session_journal j({.max_sessions = 2, .max_bytes_per_session = 10, .max_findings_per_session = 2});
    auto a = j.open("pop3", "pop3", "p");
    j.close(a);
    auto b = j.open("pop3", "pop3", "p");
    auto c = j.open("pop3", "pop3", "p");
    EXPECT_FALSE(j.get(a));  // the ended one went first
    EXPECT_TRUE(j.get(b));
    j.record(c, direction::client, "12345");
    j.record(c, direction::client, "123456");  // over 10
    j.record(c, direction::client, "1");
    auto rec = *j.get(c);
    EXPECT_TRUE(rec.truncated);
    ASSERT_EQ(rec.dialogue.size(), 2u);
    EXPECT_EQ(rec.dialogue[0].bytes, "12345");
    j.add_finding(c, {"bare_lf", "RFC 1939 §3", "x", 0});
    j.add_finding(c, {"bare_lf", "RFC 1939 §3", "again", 0});
    j.add_finding(c, {"pipelining", "r", "y", 0});
    j.add_finding(c, {"third", "r", "z", 0});
    EXPECT_EQ(j.get(c)->findings.size(), 2u);
    j.clear();  // live sessions stay
    EXPECT_EQ(j.list().size(), 2u);
}

TEST(SessionJournal, PublishesStartAndEnd) {
    session_journal j;
    std::vector<std::pair<session_event::kind, std::uint64_t>> seen;
    auto token = j.events().subscribe([&](const session_event& e) { seen.emplace_back(e.what, e.session.id); });
    auto a = j.open("imap", "imaps", "p");
    j.close(a);
    j.close(a);  // once only
    j.events().unsubscribe(token);
    j.open("imap", "imaps", "p");
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].first, session_event::kind::started);
    EXPECT_EQ(seen[1].first, session_event::kind::ended);
    EXPECT_EQ(seen[1].second, a);
}

TEST(SessionJournal, JsonHasDialogueAndValidUtf8) {
    session_journal j;
    auto a = j.open("smtp", "smtp", "p");
    j.record(a, direction::client, "EHLO \xff\r\n");
    j.add_finding(a, {"bare_lf", "RFC 5321 §2.3.8", "LF alone", 0});
    auto v = to_json(*j.get(a));
    const auto& o = v.as_object();
    EXPECT_EQ(o.at("protocol").as_string(), "smtp");
    EXPECT_EQ(o.at("dialogue").as_array()[0].as_object().at("bytes").as_string(), "EHLO \xEF\xBF\xBD\r\n");
    EXPECT_EQ(o.at("dialogue").as_array()[0].as_object().at("dir").as_string(), "C");
    EXPECT_EQ(o.at("findings").as_array()[0].as_object().at("rfc").as_string(), "RFC 5321 §2.3.8");
    EXPECT_TRUE(o.at("ended").is_null());
    EXPECT_FALSE(to_json(*j.get(a), false).as_object().contains("dialogue"));
    EXPECT_EQ(rfc3339(wall_time{} + std::chrono::milliseconds(1'500)), "1970-01-01T00:00:01.500Z");
}

}  // namespace
}  // namespace mailroom::sandbox
