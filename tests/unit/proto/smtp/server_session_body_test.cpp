// smtp::server_session hands the message text out as it arrives
// (message_data pieces, bounded), ends it with queue_message or drops it
// with discard_message; DATA and BDAT alike.
#include "proto/smtp/server_session.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace mailroom::smtp {
namespace {

// A session through EHLO, MAIL and RCPT, answering every check "yes",
// collecting what it sends.
struct harness {
    explicit harness(std::uint64_t max_bytes = 35u << 20) : session(listener_policy{}, limits_with(max_bytes)) {
        send("EHLO c\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<b@example.test>\r\n");
        replies.clear();
    }
    static limits limits_with(std::uint64_t max_bytes) {
        limits l;
        l.max_message_bytes = max_bytes;
        return l;
    }
    void send(std::string_view bytes, std::size_t write = 4096) {
        for (std::size_t at = 0; at < bytes.size(); at += write) {
            session.feed(bytes.substr(at, write));
            drain();
        }
    }
    void drain() {
        while (auto a = session.next_action()) {
            if (auto* r = std::get_if<send_reply>(&*a)) replies += r->bytes;
            else if (std::holds_alternative<check_sender>(*a)) session.sender_checked({});
            else if (std::holds_alternative<check_recipient>(*a)) session.recipient_checked({});
            else if (auto* d = std::get_if<message_data>(&*a)) {
                EXPECT_FALSE(d->bytes.empty());
                EXPECT_LE(d->bytes.size(), server_session::max_body_piece);
                largest_piece = std::max(largest_piece, d->bytes.size());
                body += d->bytes;
            } else if (std::holds_alternative<discard_message>(*a)) {
                ++discards;
                body.clear();
            } else if (auto* q = std::get_if<queue_message>(&*a)) {
                EXPECT_EQ(q->size, body.size());
                queued.push_back(std::exchange(body, std::string()));
                session.message_queued(std::string("Q1"));
            }
        }
    }
    server_session session;
    std::string replies, body;
    std::vector<std::string> queued;
    std::size_t largest_piece = 0;
    unsigned discards = 0;
};

std::string lines(std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out += (i % 5 == 0 ? "." : "") + std::string(900, 'a' + i % 26) + "\r\n";
    return out;
}

std::string unstuffed(std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out += std::string(900, 'a' + i % 26) + "\r\n";
    return out;
}

TEST(smtp_server_session_body, data_leaves_in_bounded_pieces_as_it_arrives) {
    for (std::size_t write : {1u, 4096u, 100000u}) {
        harness h;
        h.send("DATA\r\n");
        const auto text = lines(write == 1 ? 200 : 2000);  // ~180 KiB / 1.8 MiB
        h.send(text, write);
        // Before the end, nearly everything has already been handed out.
        EXPECT_GE(h.body.size() + server_session::max_body_piece, unstuffed(write == 1 ? 200 : 2000).size());
        EXPECT_TRUE(h.queued.empty());
        h.send(".\r\n");
        ASSERT_EQ(h.queued.size(), 1u) << write;
        EXPECT_EQ(h.queued[0], unstuffed(write == 1 ? 200 : 2000)) << write;
        EXPECT_GE(h.largest_piece, server_session::max_body_piece - 1) << write;
        EXPECT_NE(h.replies.find("250 2.0.0 Ok: queued as Q1"), std::string::npos);
        EXPECT_EQ(h.discards, 0u);
    }
}

TEST(smtp_server_session_body, too_big_is_read_to_its_end_and_discarded) {
    harness h(100000);
    h.send("DATA\r\n");
    h.send(lines(300));  // ~270 KiB
    EXPECT_LE(h.body.size(), 100000u);
    h.send(".\r\nNOOP\r\n");
    EXPECT_TRUE(h.queued.empty());
    EXPECT_EQ(h.discards, 1u);
    EXPECT_EQ(h.body, "");
    EXPECT_EQ(h.replies,
              "354 End data with <CR><LF>.<CR><LF>\r\n552 5.3.4 Message size exceeds fixed limit\r\n"
              "250 2.0.0 Ok\r\n");
}

TEST(smtp_server_session_body, bare_line_end_drops_what_was_handed_out) {
    harness h;
    h.send("DATA\r\n");
    h.send(lines(100) + "bare\nLF\r\n" + lines(100) + ".\r\n");
    EXPECT_TRUE(h.queued.empty());
    EXPECT_EQ(h.discards, 1u);
    EXPECT_NE(h.replies.find("550 5.6.0"), std::string::npos);
}

TEST(smtp_server_session_body, bdat_chunks_leave_in_bounded_pieces) {
    harness h;
    const std::string a(150000, 'x'), b(70000, 'y'), c(10, 'z');
    h.send("BDAT " + std::to_string(a.size()) + "\r\n" + a);
    EXPECT_GE(h.body.size(), 2 * server_session::max_body_piece);  // handed out before the chunk's reply
    h.send("BDAT " + std::to_string(b.size()) + "\r\n" + b + "BDAT 10 LAST\r\n" + c);
    ASSERT_EQ(h.queued.size(), 1u);
    EXPECT_EQ(h.queued[0], a + b + c);
    EXPECT_EQ(h.largest_piece, server_session::max_body_piece);
    EXPECT_NE(h.replies.find("250 2.0.0 220000 octets received so far"), std::string::npos);
}

TEST(smtp_server_session_body, rset_after_a_chunk_discards_it) {
    harness h;
    h.send("BDAT 100000\r\n" + std::string(100000, 'x') + "RSET\r\n");
    EXPECT_EQ(h.discards, 1u);
    EXPECT_TRUE(h.queued.empty());
    EXPECT_EQ(h.body, "");
}

TEST(smtp_server_session_body, bdat_over_the_limit_consumes_its_octets_and_discards) {
    harness h(100000);
    h.send("BDAT 80000\r\n" + std::string(80000, 'x'));
    h.send("BDAT 80000 LAST\r\n" + std::string(80000, 'y') + "NOOP\r\n");
    EXPECT_EQ(h.discards, 1u);
    EXPECT_TRUE(h.queued.empty());
    EXPECT_NE(h.replies.find("552 5.3.4 Message size exceeds fixed limit\r\n250 2.0.0 Ok\r\n"), std::string::npos);
}

}  // namespace
}  // namespace mailroom::smtp
