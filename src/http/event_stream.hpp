// http::event_stream: one server-sent events answer (WHATWG HTML §9.2,
// text/event-stream) that stays open: a handler makes one and hands it to
// the listener through request_context::stream; any thread may then send()
// events; the listener writes them, a ": keep-alive" comment every 15 s,
// and ends the stream when the client leaves, when close() is called, when
// the listener closes, or when the client reads too slowly (bounded queue).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace mailroom::http {

struct event_stream_limits {
    std::size_t max_queued_bytes = 1024 * 1024;  // unsent events; over it the stream ends
    std::chrono::milliseconds keep_alive{std::chrono::seconds(15)};
};

// "event: NAME\ndata: LINE\n...\n\n": every line of data on its own data:
// field (CR, LF and CRLF all end a line), so no data can end an event early.
std::string sse_frame(std::string_view event, std::string_view data);

class event_stream : public std::enable_shared_from_this<event_stream> {
public:
    // ex: the executor of the connection (one thread: the listener's loop).
    explicit event_stream(boost::asio::any_io_executor ex, event_stream_limits lim = {});

    // Thread-safe. Queues one event; false once the stream has ended (or
    // ends it now: the queue would pass max_queued_bytes).
    bool send(std::string_view event, std::string_view data);
    // Thread-safe; ends the stream (the connection closes).
    void close();
    bool ended() const;
    // Runs once when the stream ends for any reason: on the executor, or in
    // close() for a stream no listener ever ran.
    void on_end(std::function<void()> f);

    // The listener's part, on the executor: writes until the end. The
    // answer's head has been written already.
    boost::asio::awaitable<void> run(boost::beast::tcp_stream& stream, std::chrono::milliseconds write_timeout);

private:
    boost::asio::awaitable<void> write_loop(boost::beast::tcp_stream& stream, std::chrono::milliseconds write_timeout);
    boost::asio::awaitable<void> watch_peer(boost::beast::tcp_stream& stream);
    void wake();
    void finish();

    boost::asio::any_io_executor ex_;
    event_stream_limits lim_;
    boost::asio::steady_timer wake_;  // executor only
    mutable std::mutex mu_;
    std::string queued_;  // frames not yet written
    bool ended_ = false;
    std::function<void()> on_end_;
    bool running_ = false;  // run() has started
    bool end_reported_ = false;
};

}  // namespace mailroom::http
