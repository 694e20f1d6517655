// http::event_stream through http::listener over loopback with a raw TCP
// client: the head (no Content-Length, connection close), events sent from
// another thread, the keep-alive comment, the end when the client leaves
// (on_end runs) and when the listener closes (the client sees EOF), and
// sse_frame keeping every data line inside its event.
#include "http/event_stream.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "http/listener.hpp"

namespace mailroom::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(sse_frame, splits_data_lines_and_strips_line_ends_from_the_name) {
    EXPECT_EQ(sse_frame("message", "{}"), "event: message\ndata: {}\n\n");
    EXPECT_EQ(sse_frame("a\nb", "x\r\ny\rz\n\nw"), "event: ab\ndata: x\ndata: y\ndata: z\ndata: \ndata: w\n\n");
    EXPECT_EQ(sse_frame("", ""), "data: \n\n");
}

class server {
public:
    server() {
        routes_.add(bhttp::verb::get, "/events", [this](request_context& ctx) -> asio::awaitable<response> {
            auto s = std::make_shared<event_stream>(co_await asio::this_coro::executor,
                                                    event_stream_limits{4096, std::chrono::milliseconds(100)});
            s->on_end([this] { ended_ = true; });
            s->send("ready", "{}");
            stream_promise_.set_value(s);
            ctx.stream = s;
            co_return make_response(ctx.req, bhttp::status::ok, "", "text/event-stream");
        });
        listener_ = std::make_unique<listener>(io_.get_executor(),
                                               asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), routes_,
                                               limits{});
        listener_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~server() {
        close();
        io_.stop();
        thread_.join();
    }
    void close() {
        std::promise<void> done;
        asio::post(io_, [&] {
            listener_->close();
            done.set_value();
        });
        done.get_future().wait();
    }
    unsigned short port() const { return listener_->local_endpoint().port(); }
    std::shared_ptr<event_stream> stream() { return stream_promise_.get_future().get(); }
    std::atomic<bool> ended_{false};

private:
    asio::io_context io_;
    // Keeps io_.run() going after the listener and stream are gone, so the
    // destructor's close() (posted) runs even when a test closed it before.
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    router routes_;
    std::unique_ptr<listener> listener_;
    std::promise<std::shared_ptr<event_stream>> stream_promise_;
    std::thread thread_;
};

int connect_to(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// Reads until `needle` has arrived (true) or EOF / the 5 s timeout (false).
bool read_until(int fd, std::string& got, const std::string& needle) {
    char buf[4096];
    while (got.find(needle) == std::string::npos) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        got.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

void send_request(int fd) {
    const std::string req = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
}

TEST(event_stream, events_keep_alive_and_client_drop) {
    server srv;
    const int fd = connect_to(srv.port());
    send_request(fd);
    std::string got;
    ASSERT_TRUE(read_until(fd, got, "event: ready\ndata: {}\n\n"));
    const auto head = got.substr(0, got.find("\r\n\r\n"));
    EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_NE(head.find("text/event-stream"), std::string::npos);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos);

    auto s = srv.stream();
    std::thread([s] { EXPECT_TRUE(s->send("message", "{\"id\":1}")); }).join();
    ASSERT_TRUE(read_until(fd, got, "event: message\ndata: {\"id\":1}\n\n"));
    ASSERT_TRUE(read_until(fd, got, ": keep-alive\n\n"));  // every 100 ms here

    ::close(fd);
    for (int i = 0; i < 100 && !srv.ended_; ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(srv.ended_);
    EXPECT_TRUE(s->ended());
    EXPECT_FALSE(s->send("message", "late"));
}

TEST(event_stream, listener_close_ends_the_stream) {
    server srv;
    const int fd = connect_to(srv.port());
    send_request(fd);
    std::string got;
    ASSERT_TRUE(read_until(fd, got, "event: ready"));
    srv.close();
    EXPECT_FALSE(read_until(fd, got, "never"));  // EOF, well before the 5 s timeout
    for (int i = 0; i < 100 && !srv.ended_; ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(srv.ended_);
    ::close(fd);
}

TEST(event_stream, a_slow_client_overflowing_the_queue_ends_it) {
    asio::io_context io;
    auto s = std::make_shared<event_stream>(io.get_executor(), event_stream_limits{64, std::chrono::seconds(15)});
    bool ended = false;
    s->on_end([&] { ended = true; });
    EXPECT_TRUE(s->send("a", "small"));
    EXPECT_FALSE(s->send("b", std::string(100, 'x')));
    EXPECT_TRUE(s->ended());
    s->close();  // never run by a listener: on_end runs here
    EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace mailroom::http
