#include "client/pop3_connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <istream>

#include "auth/password.hpp"

namespace mailroom::client {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;
using asio::ip::tcp;

// One step of a scripted server: expect this client line (unless empty),
// then send `reply`. An expected line "<close>" closes the connection.
struct step {
    std::string expect;
    std::string reply;
};

// A one-connection POP3 server on loopback that plays a script and records
// what the client sent; a mismatch is recorded and ends the script.
struct scripted_server {
    explicit scripted_server(asio::io_context& io)
        : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
    tcp::acceptor acceptor;
    std::vector<std::string> got;
    std::string mismatch;
    bool saw_eof = false;

    std::uint16_t port() const { return acceptor.local_endpoint().port(); }

    asio::awaitable<void> run(std::string greeting, std::vector<step> script) {
        auto sock = co_await acceptor.async_accept(asio::use_awaitable);
        co_await asio::async_write(sock, asio::buffer(greeting), asio::use_awaitable);
        asio::streambuf in;
        for (const auto& s : script) {
            if (!s.expect.empty()) {
                boost::system::error_code ec;
                co_await asio::async_read_until(sock, in, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
                if (ec) {
                    saw_eof = true;
                    if (s.expect != "<eof>") mismatch = "eof instead of " + s.expect;
                    co_return;
                }
                std::istream is(&in);
                std::string line;
                std::getline(is, line);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                got.push_back(line);
                if (line != s.expect) {
                    mismatch = "got '" + line + "', expected '" + s.expect + "'";
                    co_return;
                }
            }
            if (!s.reply.empty()) co_await asio::async_write(sock, asio::buffer(s.reply), asio::use_awaitable);
        }
    }
};

pop3_options options(std::uint16_t port, std::vector<p3::auth_method> allowed) {
    pop3_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.tls = p3::tls_mode::none;
    o.user = "alice";
    o.password = secret(std::string_view("tanstaaf"));
    o.allowed = std::move(allowed);
    o.reply_timeout = std::chrono::seconds(5);
    o.connect_timeout = std::chrono::seconds(5);
    return o;
}

// RFC 1939 §7's own example: the digest of "<1896.697170952@dbc.mtview.ca.us>tanstaaf".
TEST(Pop3Connection, ApopLoginRetrExactBytesAndQuit) {
    asio::io_context io;
    scripted_server server(io);
    const std::string body = "Subject: x\r\n\r\n.. a dot line\r\nlast\r\n";
    asio::co_spawn(io,
                   server.run("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
                              {{"CAPA", "+OK\r\nUIDL\r\nTOP\r\n.\r\n"},
                               {"APOP alice c4c9334bac560ecc979e58001b3e22fb", "+OK maildrop has 1 message\r\n"},
                               {"RETR 1", "+OK 36 octets\r\n" + body + ".\r\n"},
                               {"DELE 9", "-ERR no such message\r\n"},
                               {"QUIT", "+OK bye\r\n"}}),
                   asio::detached);
    auto opt = options(server.port(), {p3::auth_method::apop});
    std::vector<std::string> trace;
    opt.trace = [&](std::string_view d, std::string_view l) {
        trace.push_back(std::string(d) + ": " + std::string(l));
    };
    pop3_connection conn(std::move(opt));
    std::string retrieved;
    std::optional<pop3_reply> retr, dele;
    bool quit_ok = false, opened = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            opened = co_await conn.open();
            if (!opened) co_return;
            const pop3_connection::body_handler keep = [&](std::string_view p) {
                retrieved.append(p);
                return true;
            };
            const p3::command retr1{"RETR 1", true, true};
            retr = co_await conn.command(retr1, keep);
            const p3::command dele9{"DELE 9"};
            dele = co_await conn.command(dele9);
            quit_ok = co_await conn.quit();
        },
        asio::detached);
    io.run();
    EXPECT_EQ(server.mismatch, "");
    ASSERT_TRUE(opened) << conn.detail();
    EXPECT_EQ(conn.method(), "APOP");
    EXPECT_EQ(conn.capabilities(), (std::vector<std::string>{"UIDL", "TOP"}));
    ASSERT_TRUE(retr);
    EXPECT_TRUE(retr->ok);
    EXPECT_EQ(retrieved, "Subject: x\r\n\r\n. a dot line\r\nlast\r\n");
    ASSERT_TRUE(dele);
    EXPECT_FALSE(dele->ok);
    EXPECT_EQ(dele->text, "no such message");
    EXPECT_TRUE(quit_ok);
    EXPECT_EQ(conn.failure(), pop3_failure::none);
    for (const auto& t : trace) EXPECT_EQ(t.find("c4c9334b"), std::string::npos) << t;
    EXPECT_NE(std::find(trace.begin(), trace.end(), "C: APOP alice ********"), trace.end());
}

TEST(Pop3Connection, LoginRefusedNamesTheReply) {
    asio::io_context io;
    scripted_server server(io);
    asio::co_spawn(io,
                   server.run("+OK ready\r\n", {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                                                {"USER alice", "+OK\r\n"},
                                                {"PASS tanstaaf", "-ERR [AUTH] invalid password\r\n"},
                                                {"QUIT", "+OK\r\n"}}),
                   asio::detached);
    auto opt = options(server.port(), {p3::auth_method::user});
    opt.allow_plaintext = true;
    pop3_connection conn(std::move(opt));
    bool opened = true;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { opened = co_await conn.open(); }, asio::detached);
    io.run();
    EXPECT_EQ(server.mismatch, "");
    EXPECT_FALSE(opened);
    EXPECT_EQ(conn.failure(), pop3_failure::login);
    EXPECT_NE(conn.detail().find("-ERR [AUTH] invalid password"), std::string::npos) << conn.detail();
}

TEST(Pop3Connection, PlaintextHeldBackWithoutTls) {
    asio::io_context io;
    scripted_server server(io);
    asio::co_spawn(io, server.run("+OK ready\r\n", {{"CAPA", "+OK\r\nUSER\r\n.\r\n"}, {"QUIT", "+OK\r\n"}}),
                   asio::detached);
    pop3_connection conn(options(server.port(), {p3::auth_method::user}));
    bool opened = true;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { opened = co_await conn.open(); }, asio::detached);
    io.run();
    EXPECT_EQ(server.mismatch, "");
    EXPECT_FALSE(opened);
    EXPECT_EQ(conn.failure(), pop3_failure::login);
    EXPECT_NE(conn.detail().find("--allow-plaintext"), std::string::npos);
}

TEST(Pop3Connection, StlsMissingIsATlsFailure) {
    asio::io_context io;
    scripted_server server(io);
    asio::co_spawn(io, server.run("+OK ready\r\n", {{"CAPA", "+OK\r\nUSER\r\n.\r\n"}, {"QUIT", "+OK\r\n"}}),
                   asio::detached);
    auto opt = options(server.port(), {p3::auth_method::user});
    opt.tls = p3::tls_mode::starttls;
    pop3_connection conn(std::move(opt));
    bool opened = true;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { opened = co_await conn.open(); }, asio::detached);
    io.run();
    EXPECT_FALSE(opened);
    EXPECT_EQ(conn.failure(), pop3_failure::tls);
}

TEST(Pop3Connection, BodyHandlerGivingUpDropsWithoutQuit) {
    asio::io_context io;
    scripted_server server(io);
    asio::co_spawn(io,
                   server.run("+OK ready\r\n", {{"CAPA", "-ERR no CAPA\r\n"},
                                                {"USER alice", "+OK\r\n"},
                                                {"PASS tanstaaf", "+OK\r\n"},
                                                {"RETR 1", "+OK\r\nline\r\n.\r\n"},
                                                {"<eof>", ""}}),
                   asio::detached);
    auto opt = options(server.port(), {p3::auth_method::user});
    opt.allow_plaintext = true;
    pop3_connection conn(std::move(opt));
    std::optional<pop3_reply> retr{pop3_reply{}};
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (!co_await conn.open()) co_return;
            const pop3_connection::body_handler refuse = [](std::string_view) { return false; };
            const p3::command retr1{"RETR 1", true, true};
            retr = co_await conn.command(retr1, refuse);
        },
        asio::detached);
    io.run();
    EXPECT_EQ(server.mismatch, "");
    EXPECT_TRUE(server.saw_eof);
    EXPECT_FALSE(retr);
    EXPECT_EQ(conn.failure(), pop3_failure::local);
}

TEST(Pop3Connection, ReleasedStreamCarriesTheSession) {
    asio::io_context io;
    scripted_server server(io);
    asio::co_spawn(io,
                   server.run("+OK ready\r\n", {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                                                {"USER alice", "+OK\r\n"},
                                                {"PASS tanstaaf", "+OK logged in\r\n"},
                                                {"STAT", "+OK 2 320\r\n"}}),
                   asio::detached);
    auto opt = options(server.port(), {p3::auth_method::user});
    opt.allow_plaintext = true;
    pop3_connection conn(std::move(opt));
    std::string relayed;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (!co_await conn.open()) co_return;
            auto s = conn.release_stream();
            co_await s->write_all("STAT\r\n", std::chrono::seconds(5));
            std::array<char, 64> buf{};
            while (relayed.find("\r\n") == std::string::npos) {
                auto [st, n] = co_await s->read_some(asio::buffer(buf), std::chrono::seconds(5));
                if (st != net::read_status::data) break;
                relayed.append(buf.data(), n);
            }
            co_await s->shutdown(std::chrono::seconds(1));
        },
        asio::detached);
    io.run();
    EXPECT_EQ(server.mismatch, "");
    EXPECT_EQ(relayed, "+OK 2 320\r\n");
    EXPECT_EQ(conn.method(), "USER");
}

TEST(Pop3Connection, ConnectionRefused) {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    pop3_connection conn(options(port, {p3::auth_method::apop}));
    bool opened = true;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { opened = co_await conn.open(); }, asio::detached);
    io.run();
    EXPECT_FALSE(opened);
    EXPECT_EQ(conn.failure(), pop3_failure::connection);
    EXPECT_NE(conn.detail().find("127.0.0.1"), std::string::npos) << conn.detail();
}

TEST(ApopDigest, Rfc1939Example) {
    EXPECT_EQ(auth::apop_digest("<1896.697170952@dbc.mtview.ca.us>", secret(std::string_view("tanstaaf"))).reveal(),
              "c4c9334bac560ecc979e58001b3e22fb");
}

}  // namespace
}  // namespace mailroom::client
