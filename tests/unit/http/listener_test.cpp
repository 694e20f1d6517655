// http::listener over loopback with a raw TCP client: keep-alive and
// pipelining, a request split into single bytes, 100 Continue, and every
// bound - head size (431), body size (413, before the body is sent), the
// whole-request deadline (a close, however the bytes drip in),
// connections at once (503), requests per connection - and 400 for what
// Beast cannot parse.
#include "http/listener.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace mailroom::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// One listener on 127.0.0.1 (port chosen by the system), its event loop on
// a thread of its own.
class server {
public:
    explicit server(limits lim) {
        routes_.add(bhttp::verb::get, "/ok", [](request_context& ctx) -> asio::awaitable<response> {
            co_return make_response(ctx.req, bhttp::status::ok, "fine\n");
        });
        routes_.add(bhttp::verb::post, "/echo", [](request_context& ctx) -> asio::awaitable<response> {
            co_return make_response(ctx.req, bhttp::status::ok, ctx.req.body());
        });
        listener_ = std::make_unique<listener>(io_.get_executor(),
                                               asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), routes_,
                                               lim, [this](unsigned status) {
                                                   std::lock_guard lock(mutex_);
                                                   ++answers_[status];
                                               });
        listener_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~server() {
        asio::post(io_, [this] { listener_->close(); });
        io_.stop();
        thread_.join();
    }
    unsigned short port() const { return listener_->local_endpoint().port(); }
    unsigned answers(unsigned status) {
        std::lock_guard lock(mutex_);
        return answers_[status];
    }

private:
    asio::io_context io_;
    router routes_;
    std::unique_ptr<listener> listener_;
    std::thread thread_;
    std::mutex mutex_;
    std::map<unsigned, unsigned> answers_;
};

// A blocking client socket with a receive timeout.
class client {
public:
    explicit client(unsigned short port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~client() { ::close(fd_); }
    void send(std::string_view bytes) {
        ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    }
    // Everything until the server closes (eof = true) or 5 s of silence.
    std::string read_all(bool* eof = nullptr) {
        std::string out;
        char buf[4096];
        for (;;) {
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                if (eof) *eof = n == 0;
                return out;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    // Until `text` has been received (or 5 s of silence).
    std::string read_until(std::string_view text) {
        std::string out;
        char c;
        while (out.find(text) == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) out += c;
        return out;
    }

private:
    int fd_ = -1;
};

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(http_listener, keep_alive_and_pipelined_requests) {
    server srv({});
    client c(srv.port());
    c.send(
        "GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    bool eof = false;
    const auto got = c.read_all(&eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(count(got, "HTTP/1.1 200 OK\r\n"), 3u) << got;
    EXPECT_EQ(count(got, "fine\n"), 3u);
    EXPECT_EQ(srv.answers(200), 3u);
}

TEST(http_listener, request_split_into_single_bytes) {
    server srv({});
    client c(srv.port());
    const std::string req =
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world";
    for (char ch : req) c.send(std::string_view(&ch, 1));
    const auto got = c.read_all();
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("\r\n\r\nhello world"), std::string::npos) << got;
}

TEST(http_listener, head_over_the_limit_is_431_and_closed) {
    limits lim;
    lim.max_header_bytes = 1024;
    server srv(lim);
    client c(srv.port());
    c.send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(2000, 'a') + "\r\n\r\n");
    bool eof = false;
    const auto got = c.read_all(&eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(got.rfind("HTTP/1.1 431 ", 0), 0u) << got;
    EXPECT_EQ(srv.answers(431), 1u);
}

TEST(http_listener, body_over_the_limit_is_413_before_it_is_sent) {
    limits lim;
    lim.max_body_bytes = 1000;
    server srv(lim);
    client c(srv.port());
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");  // no body at all
    bool eof = false;
    const auto got = c.read_all(&eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(got.rfind("HTTP/1.1 413 ", 0), 0u) << got;

    client chunked(srv.port());  // no Content-Length to check: the limit counts the chunks
    chunked.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string("7d0\r\n") +
                 std::string(2000, 'b') + "\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.read_all().rfind("HTTP/1.1 413 ", 0), 0u);
}

TEST(http_listener, expect_100_continue) {
    server srv({});
    client c(srv.port());
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    const auto interim = c.read_until("\r\n\r\n");
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    c.send("12345");
    const auto got = c.read_all();
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("\r\n\r\n12345"), std::string::npos) << got;
}

TEST(http_listener, silent_client_is_closed_at_the_deadline) {
    limits lim;
    lim.idle_timeout = 200ms;
    server srv(lim);
    client c(srv.port());
    const auto start = std::chrono::steady_clock::now();
    bool eof = false;
    EXPECT_EQ(c.read_all(&eof), "");
    EXPECT_TRUE(eof);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(http_listener, slow_drip_is_closed_at_the_deadline) {
    limits lim;
    lim.idle_timeout = 300ms;
    server srv(lim);
    client c(srv.port());
    c.send("GET /ok HTTP/1.1\r\n");
    std::this_thread::sleep_for(100ms);
    c.send("Host: x\r\n");  // still not the end of the head: the deadline is for the whole request
    std::this_thread::sleep_for(100ms);
    c.send("X-More: y\r\n");
    const auto start = std::chrono::steady_clock::now();
    bool eof = false;
    EXPECT_EQ(c.read_all(&eof), "");
    EXPECT_TRUE(eof);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(http_listener, connections_over_the_limit_get_503) {
    limits lim;
    lim.max_connections = 1;
    server srv(lim);
    client first(srv.port());
    first.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(first.read_until("fine\n").find("200 OK"), std::string::npos);  // served, and kept open
    {
        client second(srv.port());
        bool eof = false;
        const auto got = second.read_all(&eof);
        EXPECT_TRUE(eof);
        EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0u) << got;
    }
    first.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(first.read_all().find("200 OK"), std::string::npos);
    // The slot is free again once the first has gone.
    for (int attempt = 0; attempt < 50; ++attempt) {
        client third(srv.port());
        third.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if (third.read_all().find("200 OK") != std::string::npos) return;
        std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "the connection slot was never released";
}

TEST(http_listener, requests_per_connection_bounded) {
    limits lim;
    lim.max_requests_per_connection = 2;
    server srv(lim);
    client c(srv.port());
    c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    bool eof = false;
    const auto got = c.read_all(&eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(count(got, "HTTP/1.1 200 OK\r\n"), 2u) << got;
    EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
}

TEST(http_listener, unparsable_requests_get_400) {
    server srv({});
    for (std::string bad : {"GARBAGE\r\n\r\n", "GET /ok HTTP/9.9\r\n\r\n", "GET /ok HTTP/1.1\r\nBad Header\r\n\r\n",
                            "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab"}) {
        client c(srv.port());
        c.send(bad);
        bool eof = false;
        const auto got = c.read_all(&eof);
        EXPECT_TRUE(eof) << bad;
        EXPECT_EQ(got.rfind("HTTP/1.1 400 ", 0), 0u) << testing::PrintToString(bad) << " -> " << got;
    }
}

TEST(http_listener, a_second_listener_on_the_same_port_throws) {
    server srv({});
    asio::io_context io;
    router r;
    EXPECT_THROW(listener(io.get_executor(), asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), srv.port()),
                          r, limits{}),
                 std::runtime_error);
}

}  // namespace
}  // namespace mailroom::http
