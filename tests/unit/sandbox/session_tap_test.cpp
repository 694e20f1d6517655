// sandbox::session_tap against a fake byte flow (client bytes in, write
// plans out): every fault action on SMTP, POP3 and IMAP, the greeting and
// TLS decisions, the reply matching of a pipelined group, and what the
// journal recorded.
#include "sandbox/session_tap.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailroom::sandbox {
namespace {

using namespace std::chrono_literals;

struct flow {
    session_journal journal;
    fault_book book{42};
    std::unique_ptr<session_tap> tap;

    explicit flow(const std::string& protocol, bool implicit_tls = false) {
        tap = std::make_unique<session_tap>(journal, book,
                                            net::tap_origin{protocol, protocol, "127.0.0.1:1", implicit_tls});
    }
    void rule(std::string command, fault_action a) {
        fault_rule r;
        r.match.command = std::move(command);
        r.action = std::move(a);
        book.add(std::move(r));
    }
    net::write_plan say(std::string_view s) { return tap->before_write(s); }
    void hear(std::string_view c) { tap->received(c); }
    session_record record() { return *journal.get(tap->session()); }
};

// A session up to the command under test, its reply sent as `reply`.
struct case_ {
    const char* protocol;
    const char* greeting;
    const char* command;  // the client's line
    const char* verb;
    const char* reply;  // what the engine writes
};
const case_ cases[] = {
    {"smtp", "220 mx ESMTP\r\n", "RCPT TO:<a@b>\r\n", "RCPT", "250 2.1.5 Ok\r\n"},
    {"pop3", "+OK hi\r\n", "RETR 1\r\n", "RETR", "+OK 5 octets\r\nabc\r\n.\r\n"},
    {"imap", "* OK hi\r\n", "a2 FETCH 1 BODY[]\r\n", "FETCH", "* 1 FETCH (BODY[] {5}\r\nabc\r\n)\r\na2 OK done\r\n"},
};

net::write_plan faulted(const case_& c, fault_action a, flow& f) {
    f.rule(c.verb, std::move(a));
    EXPECT_EQ(f.say(c.greeting).bytes, c.greeting);
    f.hear(c.command);
    return f.say(c.reply);
}

TEST(SessionTap, ErrorReplyPerProtocolAndTheRestOfTheReplySwallowed) {
    const char* want[] = {"550 no such user\r\n", "-ERR no such user\r\n", "a2 NO no such user\r\n"};
    for (std::size_t i = 0; i < 3; ++i) {
        flow f(cases[i].protocol);
        auto p = faulted(cases[i], error_reply{550, "no such user"}, f);
        EXPECT_EQ(p.bytes, want[i]) << cases[i].protocol;
        EXPECT_FALSE(p.close_after);
        EXPECT_EQ(f.say("more of the same reply\r\n").bytes, "");
        f.hear(i == 2 ? "a3 NOOP\r\n" : "NOOP\r\n");
        EXPECT_EQ(f.say("ok\r\n").bytes, "ok\r\n");  // the next command is not faulted
    }
}

TEST(SessionTap, DelayDripTruncateDrop) {
    for (const auto& c : cases) {
        {
            flow f(c.protocol);
            auto p = faulted(c, delay_reply{1500ms}, f);
            EXPECT_EQ(p.delay, 1500ms);
            EXPECT_EQ(p.bytes, c.reply);
            EXPECT_EQ(f.say("x\r\n").delay, 0ms);  // only before the reply's first byte
        }
        {
            flow f(c.protocol);
            auto p = faulted(c, drip_reply{20}, f);
            EXPECT_EQ(p.drip_bytes_per_s, 20u);
            EXPECT_EQ(f.say("x\r\n").drip_bytes_per_s, 20u);  // the whole reply drips
        }
        {
            flow f(c.protocol);
            auto p = faulted(c, truncate_drop{4}, f);
            EXPECT_EQ(p.bytes, std::string(c.reply).substr(0, 4));
            EXPECT_TRUE(p.close_after);
        }
        {
            flow f(c.protocol);
            auto p = faulted(c, drop_connection{}, f);
            EXPECT_EQ(p.bytes, "");
            EXPECT_TRUE(p.close_after);
            auto rec = f.record();
            ASSERT_FALSE(rec.dialogue.empty());
            EXPECT_NE(rec.dialogue.back().note.find("connection dropped"), std::string::npos);
        }
    }
}

TEST(SessionTap, TruncateCountsAcrossTheWritesOfOneReply) {
    flow f("pop3");
    f.rule("RETR", truncate_drop{20});
    f.say("+OK\r\n");
    f.hear("RETR 1\r\n");
    auto a = f.say("+OK 9 octets\r\n");  // 14 bytes: all sent
    EXPECT_EQ(a.bytes, "+OK 9 octets\r\n");
    EXPECT_FALSE(a.close_after);
    auto b = f.say("abcdefgh\r\n.\r\n");  // 6 more, then the close
    EXPECT_EQ(b.bytes, "abcdef");
    EXPECT_TRUE(b.close_after);
}

TEST(SessionTap, MalformedReplies) {
    const char* bare[] = {"250 2.1.5 Ok\n", "+OK 5 octets\nabc\n.\n", "* 1 FETCH (BODY[] {5}\nabc\n)\na2 OK done\n"};
    const char* count[] = {"250 2.1.5 Ok\r\n", "+OK 12 octets\r\nabc\r\n.\r\n",
                           "* 1 FETCH (BODY[] {12}\r\nabc\r\n)\r\na2 OK done\r\n"};
    const char* dot[] = {"250-2.1.5 Ok\r\n", "+OK 5 octets\r\nabc\r\n",
                         "* 1 FETCH (BODY[] {5}\r\nabc\r\n)\r\na2 OK done\r\n"};
    for (std::size_t i = 0; i < 3; ++i) {
        flow a(cases[i].protocol), b(cases[i].protocol), c(cases[i].protocol);
        EXPECT_EQ(faulted(cases[i], malformed_reply{malformation::bare_lf}, a).bytes, bare[i]);
        EXPECT_EQ(faulted(cases[i], malformed_reply{malformation::wrong_octet_count}, b).bytes, count[i]);
        EXPECT_EQ(faulted(cases[i], malformed_reply{malformation::missing_final_dot}, c).bytes, dot[i]);
    }
    // The final dot in a write of its own.
    flow f("pop3");
    f.rule("RETR", malformed_reply{malformation::missing_final_dot});
    f.say("+OK\r\n");
    f.hear("RETR 1\r\n");
    EXPECT_EQ(f.say("+OK 3 octets\r\nabc\r\n").bytes, "+OK 3 octets\r\nabc\r\n");
    EXPECT_EQ(f.say(".\r\n").bytes, "");
    // Not applicable: noted, the reply unchanged.
    flow g("imap");
    faulted(cases[2], malformed_reply{malformation::missing_final_dot}, g);
    bool noted = false;
    for (const auto& e : g.record().dialogue) noted |= e.note.find("not applicable") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(SessionTap, GreetingFaults) {
    flow s("smtp"), p("pop3"), i("imap");
    s.rule("greeting", error_reply{421, "busy"});
    p.rule("greeting", error_reply{0, "busy"});
    i.rule("greeting", error_reply{0, "busy"});
    EXPECT_EQ(s.say("220 hi\r\n").bytes, "421 busy\r\n");
    EXPECT_EQ(p.say("+OK hi\r\n").bytes, "-ERR busy\r\n");
    auto b = i.say("* OK hi\r\n");
    EXPECT_EQ(b.bytes, "* BYE busy\r\n");
    EXPECT_TRUE(b.close_after);
}

TEST(SessionTap, TlsFailureOnStarttlsAndImplicitTls) {
    flow p("pop3");
    p.rule("STLS", tls_failure{});
    p.say("+OK\r\n");
    p.hear("STLS\r\n");
    EXPECT_EQ(p.say("+OK Begin TLS\r\n").bytes, "+OK Begin TLS\r\n");  // the reply goes out
    EXPECT_FALSE(p.tap->before_tls());
    flow s("smtp", true);
    s.rule("tls", tls_failure{});
    EXPECT_FALSE(s.tap->before_tls());
    flow ok("imap", true);
    EXPECT_TRUE(ok.tap->before_tls());
    ok.tap->tls_started("TLSv1.3 X");
    EXPECT_EQ(ok.record().tls, "implicit");
}

TEST(SessionTap, PipelinedRepliesAreMatchedInOrder) {
    flow f("smtp");
    f.rule("RCPT", error_reply{550, "unknown"});
    f.say("220 hi\r\n");
    f.hear("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    EXPECT_EQ(f.say("250 ok\r\n").bytes, "250 ok\r\n");
    EXPECT_EQ(f.say("250 ok\r\n").bytes, "550 unknown\r\n");
    EXPECT_EQ(f.say("354 go\r\n").bytes, "354 go\r\n");
}

TEST(SessionTap, SmtpDataFaultActsOnTheReplyAfterTheBody) {
    flow f("smtp");
    f.rule("DATA", error_reply{554, "rejected"});
    f.say("220 hi\r\n");
    f.hear("DATA\r\n");
    EXPECT_EQ(f.say("354 go\r\n").bytes, "354 go\r\n");
    f.hear("Subject: x\r\n\r\nbody\r\n.\r\n");
    EXPECT_EQ(f.say("250 queued\r\n").bytes, "554 rejected\r\n");
}

TEST(SessionTap, JournalGetsDialogueUserNotesAndFindings) {
    flow f("pop3");
    f.rule("RETR", drop_connection{});
    f.say("+OK hi\r\n");
    f.hear("USER bob\n");  // a bare LF: a finding
    f.say("+OK\r\n");
    f.hear("PASS secret\r\n");
    f.say("+OK\r\n");
    f.hear("RETR 1\r\n");
    f.say("+OK 3 octets\r\nabc\r\n.\r\n");
    f.tap->ended();
    auto rec = f.record();
    EXPECT_EQ(rec.user, "bob");
    EXPECT_TRUE(rec.ended.has_value());
    std::string dialogue;
    for (const auto& e : rec.dialogue) dialogue += (e.dir == direction::client ? "C:" : "S:") + e.bytes + e.note;
    EXPECT_NE(dialogue.find("C:USER bob\n"), std::string::npos);
    EXPECT_EQ(dialogue.find("secret"), std::string::npos);  // masked
    EXPECT_NE(dialogue.find("fault 1: drop on RETR"), std::string::npos);
    EXPECT_EQ(dialogue.find("abc"), std::string::npos);  // never sent
    bool bare_lf = false;
    for (const auto& x : rec.findings) bare_lf |= x.code == "bare_lf";
    EXPECT_TRUE(bare_lf);
}

TEST(SessionTap, FactoryOpensOneSessionPerConnection) {
    session_journal journal;
    fault_book book;
    event_hub<captured_message> hub;
    dev_context ctx{journal, book, hub, {}, {}, {}, false, {}, {}};
    auto make = make_session_taps(ctx);
    auto a = make({"smtp", "smtp", "127.0.0.1:2", false});
    auto b = make({"imap", "imaps", "127.0.0.1:3", true});
    EXPECT_EQ(journal.list().size(), 2u);
    a->ended();
    b->ended();
    EXPECT_TRUE(journal.list()[0].ended.has_value());
}

}  // namespace
}  // namespace mailroom::sandbox
