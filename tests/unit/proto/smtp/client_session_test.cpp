#include "proto/smtp/client/client_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "proto/smtp/server_session.hpp"

namespace mailroom::smtp::client {
namespace {

outgoing_message message(std::string id, std::vector<std::string> to,
                         std::string content = "Subject: t\r\n\r\nhi\r\n") {
    outgoing_message m;
    m.id = std::move(id);
    m.sender = "a@out.example.test";
    for (auto& t : to) m.recipients.push_back({std::move(t), 0, ""});
    m.content = std::move(content);
    return m;
}

std::vector<action> drain(client_session& s) {
    std::vector<action> out;
    while (auto a = s.next_action()) out.push_back(std::move(*a));
    return out;
}

client_config plain_config() {
    client_config c;
    c.helo_name = "out.example.test";
    c.tls = tls_policy::none;
    return c;
}

// Stored content (a queued file): the engine only asks its size.
class text_content final : public stored_content {
public:
    explicit text_content(std::string t) : text_(std::move(t)) {}
    std::uint64_t size() const noexcept override { return text_.size(); }
    result<std::string> read(std::uint64_t off, std::size_t max) const override {
        return text_.substr(static_cast<std::size_t>(std::min<std::uint64_t>(off, text_.size())), max);
    }

private:
    std::string text_;
};

TEST(smtp_client_session, stored_content_is_sized_then_handed_to_the_driver) {
    client_session s(plain_config());
    auto m = message("m1", {"b@in.test"}, "");
    m.stored = std::make_shared<text_content>(std::string(1234, 'x'));
    s.add_message(m);
    s.no_more_messages();
    s.feed("220 in.test\r\n");
    drain(s);
    s.feed("250-in.test\r\n250 SIZE 1000000\r\n");
    EXPECT_EQ(std::get<send_bytes>(drain(s).at(0)).bytes, "MAIL FROM:<a@out.example.test> SIZE=1234\r\n");
    s.feed("250 ok\r\n");
    drain(s);
    s.feed("250 ok\r\n");
    EXPECT_EQ(std::get<send_bytes>(drain(s).at(0)).bytes, "DATA\r\n");
    s.feed("354 go\r\n");
    auto acts = drain(s);
    ASSERT_EQ(acts.size(), 1u);
    EXPECT_EQ(std::get<send_content>(acts[0]).content, m.stored);  // the driver writes it, dot-stuffed
    s.feed("250 queued\r\n");
    acts = drain(s);
    ASSERT_FALSE(acts.empty());
    EXPECT_EQ(std::get<message_done>(acts[0]).recipients.at(0).status, delivery_status::delivered);
}

TEST(smtp_client_session, stored_content_over_the_size_limit_is_refused_locally) {
    client_session s(plain_config());
    auto m = message("m1", {"b@in.test"}, "");
    m.stored = std::make_shared<text_content>(std::string(2000, 'x'));
    s.add_message(m);
    s.no_more_messages();
    s.feed("220 in.test\r\n");
    drain(s);
    s.feed("250-in.test\r\n250 SIZE 1000\r\n");
    bool refused = false;
    for (const auto& a : drain(s))
        if (auto* d = std::get_if<message_done>(&a)) {
            refused = true;
            EXPECT_EQ(d->recipients.at(0).status, delivery_status::permanent);
            EXPECT_EQ(d->recipients.at(0).response.enhanced, "5.3.4");
        }
    EXPECT_TRUE(refused);
}

TEST(smtp_client_session, server_speaking_before_our_command_is_refused) {
    client_session s(plain_config());
    s.add_message(message("m1", {"b@in.test"}));
    s.feed("220 in.test\r\n250 not yet asked\r\n");  // already buffered when EHLO would go out
    auto acts = drain(s);
    ASSERT_EQ(acts.size(), 2u);
    const auto& done = std::get<message_done>(acts[0]);
    EXPECT_EQ(done.recipients.at(0).status, delivery_status::temporary);
    EXPECT_EQ(done.recipients.at(0).response.enhanced, "4.5.0");
    EXPECT_EQ(std::get<close_connection>(acts[1]).why, close_reason::protocol_error);
    EXPECT_EQ(s.current_phase(), phase::closed);
}

TEST(smtp_client_session, starttls_reply_with_pipelined_bytes) {
    client_config cfg = plain_config();
    cfg.tls = tls_policy::opportunistic;
    client_session s(cfg);
    s.feed("220 in.test\r\n");
    drain(s);
    s.feed("250-in.test\r\n250 STARTTLS\r\n");
    ASSERT_EQ(std::get<send_bytes>(drain(s).at(0)).bytes, "STARTTLS\r\n");
    s.feed("220 go\r\n250 injected\r\n");
    auto acts = drain(s);
    ASSERT_EQ(acts.size(), 1u);  // no start_tls: nothing of that stream is trusted
    EXPECT_EQ(std::get<close_connection>(acts[0]).why, close_reason::protocol_error);
}

TEST(smtp_client_session, body_and_auth_writes_are_marked) {
    client_config cfg = plain_config();
    cfg.tls = tls_policy::implicit;
    cfg.authenticate = true;
    client_session s(cfg);
    s.add_message(message("m1", {"b@in.test"}));
    s.feed("220 in.test\r\n");
    drain(s);
    s.feed("250-in.test\r\n250 AUTH PLAIN\r\n");
    ASSERT_EQ(std::get<sasl_start>(drain(s).at(0)).mechanism, "PLAIN");
    s.sasl_initial(secret(std::string_view("AGEAYg==")));
    auto auth = std::get<send_bytes>(drain(s).at(0));
    EXPECT_TRUE(auth.sensitive);
    EXPECT_FALSE(auth.message_body);
    s.feed("235 ok\r\n");
    auto mail = std::get<send_bytes>(drain(s).at(0));
    EXPECT_FALSE(mail.sensitive);
    s.feed("250 ok\r\n");
    drain(s);
    s.feed("250 ok\r\n");
    drain(s);
    s.feed("354 go\r\n");
    auto body = std::get<send_bytes>(drain(s).at(0));
    EXPECT_TRUE(body.message_body);
    EXPECT_EQ(body.bytes, "Subject: t\r\n\r\nhi\r\n.\r\n");
    EXPECT_TRUE(s.authenticated());
    EXPECT_TRUE(s.tls_active());
}

TEST(smtp_client_session, answers_out_of_place_are_ignored) {
    client_session s(plain_config());
    s.tls_started();
    s.tls_failed("x");
    s.sasl_initial(secret(std::string_view("x")));
    s.sasl_response(secret(std::string_view("x")));
    s.sasl_cancel();
    EXPECT_FALSE(s.next_action());
    EXPECT_EQ(s.current_phase(), phase::greeting);
}

// A server script for two messages; cutting it at every byte and then
// closing must give every recipient exactly one outcome, and end with
// exactly one close.
TEST(smtp_client_session, drop_at_every_byte_decides_every_recipient_once) {
    const std::string script =
        "220 in.test ESMTP\r\n"
        "250-in.test\r\n250-PIPELINING\r\n250 SIZE 100000\r\n"
        "250 ok\r\n250 ok\r\n550 5.1.1 no\r\n354 go\r\n"
        "250 2.0.0 queued\r\n"
        "250 ok\r\n250 ok\r\n354 go\r\n"
        "451 4.3.0 later\r\n"
        "221 bye\r\n";
    for (std::size_t cut = 0; cut <= script.size(); ++cut) {
        for (bool timeout : {false, true}) {
            client_session s(plain_config());
            s.add_message(message("m1", {"b@in.test", "x@in.test"}));
            s.add_message(message("m2", {"c@in.test"}));
            s.no_more_messages();
            std::vector<action> acts;
            for (char c : script.substr(0, cut)) {
                s.feed(std::string_view(&c, 1));
                for (auto& a : drain(s)) acts.push_back(std::move(a));
            }
            timeout ? s.timed_out() : s.feed_eof();
            for (auto& a : drain(s)) acts.push_back(std::move(a));
            std::map<std::string, int> decided;
            int closes = 0;
            for (const auto& a : acts) {
                if (auto* d = std::get_if<message_done>(&a))
                    for (const auto& r : d->recipients) ++decided[d->id + "/" + r.address];
                if (std::holds_alternative<close_connection>(a)) ++closes;
            }
            EXPECT_EQ(closes, 1) << "cut " << cut;
            EXPECT_TRUE(std::holds_alternative<close_connection>(acts.back())) << "cut " << cut;
            EXPECT_EQ(decided,
                      (std::map<std::string, int>{{"m1/b@in.test", 1}, {"m1/x@in.test", 1}, {"m2/c@in.test", 1}}))
                << "cut " << cut;
            EXPECT_EQ(s.current_phase(), phase::closed);
            s.add_message(message("late", {"d@in.test"}));
            auto late = drain(s);
            ASSERT_EQ(late.size(), 1u);
            EXPECT_EQ(std::get<message_done>(late[0]).recipients.at(0).status, delivery_status::temporary);
        }
    }
}

// Engine against engine (STYLE.md §9): our client delivers to our server
// in memory, through STARTTLS and AUTH, and what the server queues is
// exactly what the client was given.
TEST(smtp_client_session, delivers_to_our_own_server) {
    listener_policy policy;
    policy.hostname = "mx.example.test";
    policy.starttls_offered = true;
    smtp::limits lim;
    lim.max_message_bytes = 100000;
    server_session server(policy, lim);

    client_config cfg = plain_config();
    cfg.tls = tls_policy::required;
    cfg.authenticate = true;
    client_session client(cfg);
    auto m1 = message("m1", {"alice@example.test", "ghost@example.test", "bob@example.test"},
                      ".leading dot\r\n..two\r\n.\r\nend\r\n");
    auto m2 = message("m2", {"carol@example.test"}, "caf\xc3\xa9 8-bit\r\n");
    m2.eight_bit = true;
    auto m3 = message("m3", {"alice@example.test"});
    m3.sender = "spammer@example.test";
    auto m4 = message("m4", {"dave@example.test"}, std::string(200000, 'x'));
    const auto m1_content = m1.content;
    const auto m2_content = m2.content;
    client.add_message(std::move(m1));
    client.add_message(std::move(m2));
    client.add_message(std::move(m3));
    client.add_message(std::move(m4));
    client.no_more_messages();

    std::vector<std::string> queued;
    std::string body;  // message_data since the last queue_message
    std::map<std::string, std::vector<recipient_outcome>> results;
    bool client_closed = false;
    bool server_closed = false;
    for (int round = 0; round < 100 && !(client_closed && server_closed); ++round) {
        while (auto a = server.next_action()) {
            if (auto* r = std::get_if<smtp::send_reply>(&*a)) client.feed(r->bytes);
            else if (auto* cs = std::get_if<check_sender>(&*a))
                server.sender_checked(cs->address == "spammer@example.test" ? verdict{553, "5.7.1", "no"} : verdict{});
            else if (auto* cr = std::get_if<check_recipient>(&*a))
                server.recipient_checked(cr->address == "ghost@example.test" ? verdict{550, "5.1.1", "unknown"}
                                                                             : verdict{});
            else if (auto* d = std::get_if<message_data>(&*a)) body += d->bytes;
            else if (std::holds_alternative<discard_message>(*a)) body.clear();
            else if (auto* q = std::get_if<queue_message>(&*a)) {
                EXPECT_EQ(q->size, body.size());
                queued.push_back(std::exchange(body, std::string()));
                EXPECT_TRUE(q->tx.tls);
                EXPECT_EQ(q->tx.auth_user, "a@out.example.test");
                server.message_queued(std::string("Q") + std::to_string(queued.size()));
            } else if (std::holds_alternative<smtp::start_tls>(*a)) server.tls_started();
            else if (auto* sb = std::get_if<sasl_begin>(&*a)) {
                EXPECT_EQ(sb->mechanism, "PLAIN");
                server.sasl_done(auth_status::ok, "a@out.example.test", std::nullopt);
            } else if (std::holds_alternative<smtp::close_connection>(*a)) server_closed = true;
        }
        while (auto a = client.next_action()) {
            if (auto* sb = std::get_if<send_bytes>(&*a)) server.feed(sb->bytes);
            else if (std::holds_alternative<start_tls>(*a)) client.tls_started();
            else if (std::holds_alternative<sasl_start>(*a))
                client.sasl_initial(secret(std::string_view("AGFAb3V0LmV4YW1wbGUudGVzdABwdw==")));
            else if (auto* d = std::get_if<message_done>(&*a)) {
                EXPECT_TRUE(d->dsn_passed_on);
                results[d->id] = d->recipients;
            } else if (auto* c = std::get_if<close_connection>(&*a)) {
                EXPECT_EQ(c->why, close_reason::quit) << c->detail;
                client_closed = true;
            }
        }
    }
    ASSERT_TRUE(client_closed && server_closed);
    ASSERT_EQ(queued.size(), 2u);
    EXPECT_EQ(queued[0], m1_content);
    EXPECT_EQ(queued[1], m2_content);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results["m1"][0].status, delivery_status::delivered);
    EXPECT_EQ(results["m1"][1].status, delivery_status::permanent);
    EXPECT_EQ(results["m1"][1].response.enhanced, "5.1.1");
    EXPECT_EQ(results["m1"][2].status, delivery_status::delivered);
    EXPECT_EQ(results["m1"][2].response.summary(), "250 2.0.0 Ok: queued as Q1");
    EXPECT_EQ(results["m2"][0].status, delivery_status::delivered);
    EXPECT_EQ(results["m3"][0].status, delivery_status::permanent);
    EXPECT_EQ(results["m3"][0].where, stage::mail);
    EXPECT_EQ(results["m4"][0].status, delivery_status::permanent);
    EXPECT_EQ(results["m4"][0].where, stage::local);
    EXPECT_EQ(results["m4"][0].response.enhanced, "5.3.4");
}

}  // namespace
}  // namespace mailroom::smtp::client
