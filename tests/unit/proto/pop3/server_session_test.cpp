// Properties of the session that transcripts cannot show well: the APOP
// timestamp is unique per connection, and large messages go out
// byte-exact. Dialogue behaviour lives in tests/transcripts/pop3/.
#include "proto/pop3/server_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/fixed_env.hpp"

namespace mailroom::pop3 {
namespace {

std::string drain_replies(server_session& s) {
    std::string out;
    while (auto a = s.next_action()) {
        auto* r = std::get_if<send_reply>(&*a);
        EXPECT_TRUE(r) << "unexpected action";
        if (r) out += r->bytes;
    }
    return out;
}

template <class T>
T expect_action(server_session& s) {
    auto a = s.next_action();
    EXPECT_TRUE(a);
    if (!a) return T{};
    EXPECT_TRUE(std::holds_alternative<T>(*a)) << "action index " << a->index();
    return std::holds_alternative<T>(*a) ? std::get<T>(*a) : T{};
}

// Greeting, USER/PASS accepted: the session now asks for the maildrop.
void start_login(server_session& s) {
    drain_replies(s);
    s.feed("USER a@example.test\r\nPASS pw\r\n");
    EXPECT_EQ(expect_action<send_reply>(s).bytes, "+OK\r\n");
    expect_action<verify_login>(s);
    s.login_done({login_status::ok, "a@example.test"});
    expect_action<open_maildrop>(s);
}

listener_policy tls_policy() {
    listener_policy p;
    p.tls_active = true;
    p.hostname = "mail.example.test";
    return p;
}

TEST(Pop3ServerSession, ApopTimestampUniquePerConnection) {
    test::fixed_clock clk;
    test::seeded_random rnd;
    std::set<std::string> greetings;
    for (int i = 0; i < 100; ++i) {
        server_session s(tls_policy(), limits{}, session_env{clk, rnd, 77});
        auto g = drain_replies(s);
        EXPECT_NE(g.find("@mail.example.test>\r\n"), std::string::npos) << g;
        greetings.insert(g);
    }
    EXPECT_EQ(greetings.size(), 100u);
}

TEST(Pop3ServerSession, LargeMessageIsSentByteExact) {
    test::fixed_clock clk;
    test::seeded_random rnd;
    server_session s(tls_policy(), limits{}, session_env{clk, rnd, 1});
    start_login(s);

    std::string raw;
    for (int i = 0; raw.size() < (4u << 20); ++i)
        raw += (i % 3 ? "line \xe2\x82\xac " : ".dot ") + std::to_string(i) + "\n";
    const std::uint64_t wire_size = raw.size() + std::count(raw.begin(), raw.end(), '\n');
    s.maildrop_opened(std::vector<message_info>{{"uid1", wire_size}});
    EXPECT_EQ(drain_replies(s), "+OK Logged in.\r\n");

    s.feed("RETR 1\r\n");
    // Streamed in ranges: each asked for only after the previous reply was
    // taken, the next starting where the last ended; at most one range of
    // output is ever queued.
    std::string out;
    std::uint64_t offset = 0;
    std::size_t ranges = 0, most_queued = 0;
    for (;;) {
        auto r = expect_action<read_message>(s);
        ASSERT_EQ(r.index, 0u);
        ASSERT_EQ(r.offset, offset);
        ASSERT_LE(r.max_bytes, limits{}.message_range_bytes);
        const auto piece = std::string_view(raw).substr(std::min<std::size_t>(raw.size(), offset), r.max_bytes);
        s.message_data(piece);
        offset += piece.size();
        ++ranges;
        auto sent = expect_action<send_reply>(s).bytes;  // then, unless at the end, the next read_message
        most_queued = std::max(most_queued, sent.size());
        out += sent;
        if (piece.size() < r.max_bytes) break;
    }
    EXPECT_FALSE(s.next_action());
    EXPECT_EQ(offset, raw.size());
    EXPECT_GE(ranges, raw.size() / limits{}.message_range_bytes);
    EXPECT_LE(most_queued, 2 * limits{}.message_range_bytes + 64);
    const std::string head = "+OK " + std::to_string(wire_size) + " octets\r\n";
    ASSERT_EQ(out.substr(0, head.size()), head);
    // Undo dot-stuffing and CRLF: the original bytes come back.
    std::string body = out.substr(head.size());
    ASSERT_EQ(body.substr(body.size() - 5), "\r\n.\r\n");
    body.resize(body.size() - 3);
    std::string back;
    std::size_t pos = 0, stuffed = 0;
    while (pos < body.size()) {
        auto crlf = body.find("\r\n", pos);
        std::string_view line(body.data() + pos, crlf - pos);
        if (!line.empty() && line[0] == '.') line.remove_prefix(1), ++stuffed;
        back.append(line);
        back += '\n';
        pos = crlf + 2;
    }
    EXPECT_EQ(back, raw);
    EXPECT_EQ(body.size(), wire_size + stuffed);
    EXPECT_EQ(s.summary().retrieved_bytes, wire_size);
}

// A client that pipelines without reading cannot make the session queue
// replies without bound: input waits until the backlog has been taken.
TEST(Pop3ServerSession, PipelinedRepliesAreBackloggedNotAccumulated) {
    test::fixed_clock clk;
    test::seeded_random rnd;
    server_session s(tls_policy(), limits{}, session_env{clk, rnd, 1});
    start_login(s);
    std::vector<message_info> listing;
    for (int i = 0; i < 1000; ++i) listing.push_back({"uid" + std::to_string(i), 100});
    s.maildrop_opened(listing);
    drain_replies(s);

    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += "LIST\r\n";
    s.feed(batch);
    std::size_t largest_write = 0, lists = 0;
    while (auto a = s.next_action()) {
        auto* r = std::get_if<send_reply>(&*a);
        ASSERT_TRUE(r);
        largest_write = std::max(largest_write, r->bytes.size());
        for (std::size_t p = 0; (p = r->bytes.find("+OK 1000 messages", p)) != std::string::npos; ++p) ++lists;
    }
    EXPECT_EQ(lists, 2000u);
    EXPECT_LT(largest_write, 64u * 1024 + 20000);  // one backlog plus one listing
}

TEST(Pop3ServerSession, InputAfterCloseIsIgnored) {
    test::fixed_clock clk;
    test::seeded_random rnd;
    server_session s(tls_policy(), limits{}, session_env{clk, rnd, 1});
    drain_replies(s);
    s.feed("QUIT\r\nNOOP\r\nNOOP\r\n");
    EXPECT_EQ(expect_action<send_reply>(s).bytes, "+OK Logging out.\r\n");
    expect_action<close_connection>(s);
    EXPECT_FALSE(s.next_action());
    s.feed("NOOP\r\n");
    s.feed_eof();
    s.timed_out();
    EXPECT_FALSE(s.next_action());
    EXPECT_EQ(s.current_state(), state::closed);
}

// The command table is checked before any handler: every TRANSACTION
// command in AUTHORIZATION (and every AUTHORIZATION-only one after login)
// gets the wrong-state reply, counted toward max_bad_commands.
TEST(Pop3ServerSession, CommandTableRefusesWrongStateAndCounts) {
    test::fixed_clock clk;
    test::seeded_random rnd;
    limits lim;
    lim.max_bad_commands = 9;
    server_session s(tls_policy(), lim, session_env{clk, rnd, 1});
    drain_replies(s);
    for (const char* c : {"STAT", "LIST", "UIDL", "RETR 1", "TOP 1 0", "DELE 1", "NOOP", "RSET"}) {
        s.feed(std::string(c) + "\r\n");
        EXPECT_EQ(drain_replies(s), "-ERR Command not valid in this state.\r\n") << c;
    }
    EXPECT_EQ(s.current_state(), state::authorization);
    s.feed("NOOP\r\n");  // the ninth bad command in a row ends the session
    EXPECT_EQ(expect_action<send_reply>(s).bytes, "-ERR Too many bad commands.\r\n");
    EXPECT_EQ(expect_action<close_connection>(s).why, close_reason::too_many_errors);

    server_session t(tls_policy(), limits{}, session_env{clk, rnd, 2});
    start_login(t);
    t.maildrop_opened(std::vector<message_info>{});
    EXPECT_EQ(drain_replies(t), "+OK Logged in.\r\n");
    for (const char* c : {"USER x", "PASS y", "APOP x 0123", "AUTH PLAIN", "STLS", "UTF8"}) {
        t.feed(std::string(c) + "\r\n");
        EXPECT_EQ(drain_replies(t), "-ERR Command not valid in this state.\r\n") << c;
    }
    t.feed("CAPA\r\n");  // both states
    EXPECT_EQ(drain_replies(t).substr(0, 4), "+OK ");
}

}  // namespace
}  // namespace mailroom::pop3
