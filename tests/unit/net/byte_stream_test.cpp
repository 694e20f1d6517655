#include "net/byte_stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <thread>
#include <vector>

#include "net/tls_context.hpp"

namespace mailroom::net {
namespace {

using namespace std::chrono_literals;

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

std::filesystem::path temp_dir() {
    auto d = std::filesystem::temp_directory_path() / ("mailroom-net-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
}

TEST(byte_stream, reads_data_then_eof) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    EXPECT_EQ(s.peer_address(), "127.0.0.1");
    asio::write(p.client, asio::buffer(std::string("hello")));
    p.client.shutdown(tcp::socket::shutdown_send);
    std::string got;
    read_status last{};
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            for (int i = 0; i < 10; ++i) {
                auto [st, n] = co_await s.read_some(asio::buffer(buf), 2s);
                last = st;
                if (st != read_status::data) break;
                got.append(buf.data(), n);
            }
            co_await s.shutdown(1s);
        },
        asio::detached);
    p.io.run();
    EXPECT_EQ(got, "hello");
    EXPECT_EQ(last, read_status::eof);
}

TEST(byte_stream, read_deadline_reports_timeout_and_next_read_still_works) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    read_status first{}, second{};
    std::string got;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            auto [st, n] = co_await s.read_some(asio::buffer(buf), 50ms);
            first = st;
            asio::write(p.client, asio::buffer(std::string("late")));
            auto [st2, n2] = co_await s.read_some(asio::buffer(buf), 2s);
            second = st2;
            got.assign(buf.data(), n2);
            (void)n;
            co_await s.shutdown(1s);
        },
        asio::detached);
    p.io.run();
    EXPECT_EQ(first, read_status::timeout);
    EXPECT_EQ(second, read_status::data);
    EXPECT_EQ(got, "late");
}

// The deadline timer is kept lazily across operations (byte_stream.cpp):
// a later, shorter limit must still fire on time, a wait that ends while
// the deadline has moved on must not end the operation, and once the
// stream is shut down no timer keeps the loop running.
TEST(byte_stream, shorter_limit_after_longer_fires_on_time) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::write(p.client, asio::buffer(std::string("now")));
    read_status first{}, second{};
    std::chrono::steady_clock::duration waited{};
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            auto [st, n] = co_await s.read_some(asio::buffer(buf), 60s);
            first = st;
            const auto t0 = std::chrono::steady_clock::now();
            auto [st2, n2] = co_await s.read_some(asio::buffer(buf), 100ms);  // nothing comes
            waited = std::chrono::steady_clock::now() - t0;
            second = st2;
            co_await s.shutdown(1s);
            (void)n, (void)n2;
        },
        asio::detached);
    p.io.run();
    EXPECT_EQ(first, read_status::data);
    EXPECT_EQ(second, read_status::timeout);
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 5s);  // not the 60 s of the first read's wait
}

TEST(byte_stream, deadline_moved_on_is_not_a_timeout) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::write(p.client, asio::buffer(std::string("one")));
    read_status second{};
    std::string got;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            auto [st, n] = co_await s.read_some(asio::buffer(buf), 100ms);  // answered at once; its wait stays
            // The next read may take 5 s; its data comes after the first wait
            // has ended, which must only wait again.
            std::thread late([&p] {
                std::this_thread::sleep_for(300ms);
                asio::write(p.client, asio::buffer(std::string("two")));
            });
            auto [st2, n2] = co_await s.read_some(asio::buffer(buf), 5s);
            late.join();
            second = st2;
            got.assign(buf.data(), n2);
            co_await s.shutdown(1s);
            (void)st, (void)n;
        },
        asio::detached);
    p.io.run();
    EXPECT_EQ(second, read_status::data);
    EXPECT_EQ(got, "two");
}

TEST(byte_stream, shutdown_leaves_no_timer_running) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::write(p.client, asio::buffer(std::string("x")));
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            co_await s.read_some(asio::buffer(buf), 60s);
            co_await s.write_all("y", 60s);
            co_await s.shutdown(1s);
        },
        asio::detached);
    const auto t0 = std::chrono::steady_clock::now();
    p.io.run();  // returns once the coroutine is done: no 60 s wait pending
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

// write_all's limit bounds a stretch without progress, not the whole write.
// The server's send buffer is made small so that progress shows at once.
TEST(byte_stream, write_limit_bounds_progress_not_the_total) {
    loopback_pair p;
    p.server.set_option(asio::socket_base::send_buffer_size(32 * 1024));
    byte_stream s(std::move(p.server));
    const std::string big(2 << 20, 'z');
    bool ok = false;
    std::chrono::steady_clock::duration took{};
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            const auto t0 = std::chrono::steady_clock::now();
            ok = co_await s.write_all(big, 200ms);
            took = std::chrono::steady_clock::now() - t0;
            co_await s.shutdown(1s);
        },
        asio::detached);
    std::size_t got = 0;
    std::thread reader([&] {
        std::array<char, 16 * 1024> buf;
        boost::system::error_code ec;
        while (!ec && got < big.size()) {
            std::this_thread::sleep_for(10ms);  // slow, but never silent for 200 ms
            got += p.client.read_some(asio::buffer(buf), ec);
        }
    });
    p.io.run();
    reader.join();
    EXPECT_TRUE(ok);
    EXPECT_EQ(got, big.size());
    EXPECT_GT(took, 600ms) << "the write must have lasted several limits to test anything";
}

TEST(byte_stream, write_fails_once_no_byte_moves_for_the_limit) {
    loopback_pair p;
    p.server.set_option(asio::socket_base::send_buffer_size(32 * 1024));
    byte_stream s(std::move(p.server));
    const std::string big(8 << 20, 'z');  // the client never reads
    bool ok = true;
    std::chrono::steady_clock::duration took{};
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            const auto t0 = std::chrono::steady_clock::now();
            ok = co_await s.write_all(big, 200ms);
            took = std::chrono::steady_clock::now() - t0;
            co_await s.shutdown(100ms);
        },
        asio::detached);
    p.io.run();
    EXPECT_FALSE(ok);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 3s);
}

TEST(byte_stream, self_signed_certificate_and_tls_upgrade) {
    auto dir = temp_dir();
    auto cert = dir / "cert.pem", key = dir / "key.pem";
    ASSERT_FALSE(ensure_self_signed(cert, key, "mx.example.test"));
    EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::group_read,
              std::filesystem::perms::none);
    auto mtime = std::filesystem::last_write_time(cert);
    ASSERT_FALSE(ensure_self_signed(cert, key, "mx.example.test"));  // kept, not remade
    EXPECT_EQ(std::filesystem::last_write_time(cert), mtime);
    auto ctx = make_server_context(cert, key);
    ASSERT_TRUE(ctx);

    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::ssl::context client_ctx(asio::ssl::context::tls_client);
    client_ctx.load_verify_file(cert.string());
    client_ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<tcp::socket&> client(p.client, client_ctx);
    client.set_verify_callback(asio::ssl::host_name_verification("localhost"));

    bool server_ok = false;
    std::string got;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            server_ok = co_await s.start_tls(**ctx, 5s);
            std::array<char, 64> buf;
            auto [st, n] = co_await s.read_some(asio::buffer(buf), 5s);
            if (st == read_status::data) got.assign(buf.data(), n);
            co_await s.write_all("pong", 5s);
            co_await s.shutdown(100ms);  // the client sends no close_notify: bounded
        },
        asio::detached);
    bool client_ok = false;
    std::string reply(4, '\0');
    std::thread t([&] {
        boost::system::error_code ec;
        client.handshake(asio::ssl::stream_base::client, ec);
        client_ok = !ec;
        if (ec) return;
        asio::write(client, asio::buffer(std::string("ping")), ec);
        asio::read(client, asio::buffer(reply), ec);
    });
    p.io.run();
    t.join();
    EXPECT_TRUE(server_ok);
    EXPECT_TRUE(client_ok) << "certificate must verify for localhost";
    EXPECT_TRUE(s.tls_active());
    EXPECT_NE(s.tls_description().find("TLS"), std::string::npos);
    EXPECT_EQ(got, "ping");
    EXPECT_EQ(reply, "pong");
    std::filesystem::remove_all(dir);
}

TEST(byte_stream, tls_handshake_with_garbage_fails_cleanly) {
    auto dir = temp_dir();
    ASSERT_FALSE(ensure_self_signed(dir / "c.pem", dir / "k.pem", "localhost"));
    auto ctx = make_server_context(dir / "c.pem", dir / "k.pem");
    ASSERT_TRUE(ctx);
    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::write(p.client, asio::buffer(std::string("USER alice\r\nPASS x\r\n")));
    bool ok = true;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            ok = co_await s.start_tls(**ctx, 2s);
            co_await s.shutdown(100ms);
        },
        asio::detached);
    p.io.run();
    EXPECT_FALSE(ok);
    std::filesystem::remove_all(dir);
}

// read_now + wait_readable (run_engine's idle path): nothing is read
// before data arrives, the wait holds no buffer and reports readiness or
// its deadline, and EOF comes from read_now. Plain and TLS.
TEST(byte_stream, read_now_and_wait_readable_plain) {
    loopback_pair p;
    byte_stream s(std::move(p.server));
    std::vector<read_status> seen;
    std::string got;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            std::array<char, 16> buf;
            seen.push_back(s.read_now(asio::buffer(buf)).first);  // nothing yet
            seen.push_back(co_await s.wait_readable(50ms));       // still nothing: timeout
            asio::write(p.client, asio::buffer(std::string("abc")));
            p.client.shutdown(tcp::socket::shutdown_send);
            for (int i = 0; i < 10; ++i) {
                auto [st, n] = s.read_now(asio::buffer(buf));
                if (st == read_status::would_block) {
                    seen.push_back(co_await s.wait_readable(2s));
                    continue;
                }
                seen.push_back(st);
                if (st != read_status::data) break;
                got.append(buf.data(), n);
            }
            co_await s.shutdown(1s);
        },
        asio::detached);
    p.io.run();
    ASSERT_GE(seen.size(), 4u);
    EXPECT_EQ(seen[0], read_status::would_block);
    EXPECT_EQ(seen[1], read_status::timeout);
    EXPECT_EQ(seen.back(), read_status::eof);
    EXPECT_EQ(got, "abc");
}

TEST(byte_stream, read_now_and_wait_readable_tls) {
    auto dir = temp_dir();
    ASSERT_FALSE(ensure_self_signed(dir / "c.pem", dir / "k.pem", "localhost"));
    auto ctx = make_server_context(dir / "c.pem", dir / "k.pem");
    ASSERT_TRUE(ctx);
    loopback_pair p;
    byte_stream s(std::move(p.server));
    asio::ssl::context client_ctx(asio::ssl::context::tls_client);
    asio::ssl::stream<tcp::socket&> client(p.client, client_ctx);
    bool first_would_block = false;
    std::string got;
    read_status last{};
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
            if (!co_await s.start_tls(**ctx, 5s)) co_return;
            std::array<char, 3> buf;  // smaller than the record: the rest stays in OpenSSL
            first_would_block = s.read_now(asio::buffer(buf)).first == read_status::would_block;
            for (int i = 0; i < 50; ++i) {
                auto [st, n] = s.read_now(asio::buffer(buf));
                if (st == read_status::would_block) {
                    if (co_await s.wait_readable(5s) != read_status::data) break;
                    continue;
                }
                last = st;
                if (st != read_status::data) break;
                got.append(buf.data(), n);
            }
            co_await s.shutdown(100ms);
        },
        asio::detached);
    std::thread t([&] {
        boost::system::error_code ec;
        client.handshake(asio::ssl::stream_base::client, ec);
        if (ec) return;
        std::this_thread::sleep_for(100ms);  // the server is waiting by then
        asio::write(client, asio::buffer(std::string("hello tls")), ec);
        client.shutdown(ec);  // close_notify: a clean EOF
    });
    p.io.run();
    t.join();
    EXPECT_TRUE(first_would_block);
    EXPECT_EQ(got, "hello tls");
    EXPECT_EQ(last, read_status::eof);
    std::filesystem::remove_all(dir);
}

TEST(tls_context, missing_files_are_an_error) {
    EXPECT_FALSE(make_server_context("/nonexistent/cert.pem", "/nonexistent/key.pem"));
}

}  // namespace
}  // namespace mailroom::net
