// http::listener: the HTTP/1.1 server socket (Boost.Beast parses; nothing
// here reads HTTP by hand). Each connection reads one request at a time
// within http::limits (head and body size, time), answers it through the
// router, keeps the connection while both sides want keep-alive, and sends
// 100 Continue when asked (RFC 9110 §10.1.1). Runs on the server's event
// loop; started by server::ops_http. Knows nothing of mail or metrics.
// An answer with an http::event_stream is written until that stream ends.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "http/limits.hpp"
#include "http/router.hpp"

namespace mailroom::http {

class listener {
public:
    // Binds and listens on `at`; throws std::runtime_error naming the
    // address when it cannot. `on_answer` (may be empty) is told the status
    // of every answer sent, errors included.
    listener(boost::asio::any_io_executor ex, const boost::asio::ip::tcp::endpoint& at, const router& routes,
             const limits& lim, std::function<void(unsigned status)> on_answer = {});
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    bool is_open() const { return acceptor_.is_open(); }
    unsigned open_connections() const noexcept { return *open_; }

    // New limits (a reload), on the executor: connections read them at
    // their next request.
    void set_limits(const limits& lim) { limits_ = lim; }

    // The accept loop, on the executor; the listener (and the router) must
    // outlive every connection, i.e. the executor's run.
    void start();
    // Stops accepting; connections finish their request and close, event
    // streams end.
    void close();

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
    boost::asio::awaitable<void> stream_events(boost::beast::tcp_stream& stream, response& res,
                                               std::shared_ptr<event_stream> events);
    void answered(unsigned status) const {
        if (on_answer_) on_answer_(status);
    }

    boost::asio::ip::tcp::acceptor acceptor_;
    const router& routes_;
    limits limits_;
    std::function<void(unsigned)> on_answer_;
    // Event loop only. Shared with the connections: their frames may be
    // destroyed after the listener, when the io_context goes.
    std::shared_ptr<unsigned> open_ = std::make_shared<unsigned>(0);
    // The event streams being written, for close(). Event loop only.
    std::shared_ptr<std::vector<std::weak_ptr<event_stream>>> streams_ =
        std::make_shared<std::vector<std::weak_ptr<event_stream>>>();
};

}  // namespace mailroom::http
