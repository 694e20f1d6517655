// byte_stream with a stream_tap on a loopback pair: reads reach received(),
// writes send the plan's bytes (replaced, delayed, dripped, then closed),
// a refused handshake closes, ended() comes at destruction.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "net/byte_stream.hpp"

namespace mailroom::net {
namespace {

using namespace std::chrono_literals;

struct fake_tap : stream_tap {
    std::string heard, asked;
    write_plan plan;
    bool allow_tls = true;
    int ended_calls = 0;
    void received(std::string_view b) override { heard += b; }
    write_plan before_write(std::string_view b) override {
        asked += b;
        return plan;
    }
    bool before_tls() override { return allow_tls; }
    void tls_started(std::string_view) override {}
    void ended() override { ++ended_calls; }
};

struct loopback_pair {
    asio::io_context io;
    tcp::socket client{io};
    tcp::socket server{io};
    loopback_pair() {
        tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.connect(acc.local_endpoint());
        server = acc.accept();
    }
};

std::string read_to_eof(tcp::socket& s) {
    std::string out;
    std::array<char, 256> buf;
    boost::system::error_code ec;
    for (;;) {
        const auto n = s.read_some(asio::buffer(buf), ec);
        if (ec) return out;
        out.append(buf.data(), n);
    }
}

TEST(stream_tap, reads_are_seen_and_writes_follow_the_plan) {
    loopback_pair p;
    auto tap = std::make_shared<fake_tap>();
    tap->plan.bytes = "-ERR replaced\r\n";
    tap->plan.delay = 100ms;
    tap->plan.drip_bytes_per_s = 100;  // 15 bytes: about 150 ms
    tap->plan.close_after = true;
    bool wrote = true;
    const auto start = std::chrono::steady_clock::now();
    {
        byte_stream s(std::move(p.server));
        s.set_tap(tap);
        asio::write(p.client, asio::buffer(std::string("RETR 1\r\n")));
        asio::co_spawn(
            p.io,
            [&]() -> asio::awaitable<void> {
                std::array<char, 16> buf;
                (void)co_await s.read_some(asio::buffer(buf), 2s);
                wrote = co_await s.write_all("+OK 3 octets\r\nabc\r\n.\r\n", 2s);
            },
            asio::detached);
        p.io.run();
        EXPECT_EQ(tap->ended_calls, 0);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(tap->ended_calls, 1);
    EXPECT_EQ(tap->heard, "RETR 1\r\n");
    EXPECT_EQ(tap->asked, "+OK 3 octets\r\nabc\r\n.\r\n");
    EXPECT_FALSE(wrote);  // closed after: the driver ends the connection
    EXPECT_EQ(read_to_eof(p.client), "-ERR replaced\r\n");
    EXPECT_GE(took, 200ms);
}

TEST(stream_tap, a_refused_handshake_closes_the_connection) {
    loopback_pair p;
    auto tap = std::make_shared<fake_tap>();
    tap->allow_tls = false;
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    byte_stream s(std::move(p.server));
    s.set_tap(tap);
    bool ok = true;
    asio::co_spawn(
        p.io, [&]() -> asio::awaitable<void> { ok = co_await s.start_tls(ctx, 1s); }, asio::detached);
    p.io.run();
    EXPECT_FALSE(ok);
    EXPECT_EQ(read_to_eof(p.client), "");
}

}  // namespace
}  // namespace mailroom::net
