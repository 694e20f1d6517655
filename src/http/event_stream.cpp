// http::event_stream: queue, wake-up and the write loop of a server-sent
// events answer (see the header).
#include "http/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace mailroom::http {
namespace {
namespace asio = boost::asio;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

std::string sse_frame(std::string_view event, std::string_view data) {
    std::string out;
    out.reserve(event.size() + data.size() + 32);
    if (!event.empty()) {
        out += "event: ";
        for (char c : event)
            if (c != '\r' && c != '\n') out.push_back(c);
        out += '\n';
    }
    std::size_t start = 0;
    for (;;) {
        const auto end = data.find_first_of("\r\n", start);
        out += "data: ";
        out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
        if (start == data.size()) break;
    }
    out += '\n';
    return out;
}

event_stream::event_stream(asio::any_io_executor ex, event_stream_limits lim)
    : ex_(std::move(ex)), lim_(lim), wake_(ex_) {}

bool event_stream::send(std::string_view event, std::string_view data) {
    {
        std::lock_guard lock(mu_);
        if (ended_) return false;
        auto frame = sse_frame(event, data);
        if (queued_.size() + frame.size() > lim_.max_queued_bytes) {
            ended_ = true;  // a client this slow misses events: better it reconnects
        } else {
            queued_ += frame;
        }
    }
    wake();
    return !ended();
}

void event_stream::close() {
    bool running = false;
    {
        std::lock_guard lock(mu_);
        ended_ = true;
        running = running_;
    }
    if (running) wake();
    else finish();  // never handed to a listener: nothing will run()
}

bool event_stream::ended() const {
    std::lock_guard lock(mu_);
    return ended_;
}

void event_stream::on_end(std::function<void()> f) {
    std::lock_guard lock(mu_);
    on_end_ = std::move(f);
}

void event_stream::wake() {
    asio::post(ex_, [self = shared_from_this()] { self->wake_.cancel(); });
}

void event_stream::finish() {
    std::function<void()> f;
    {
        std::lock_guard lock(mu_);
        ended_ = true;
        if (end_reported_) return;
        end_reported_ = true;
        f = std::move(on_end_);
    }
    if (f) f();
}

asio::awaitable<void> event_stream::write_loop(boost::beast::tcp_stream& stream,
                                               std::chrono::milliseconds write_timeout) {
    for (;;) {
        std::string out;
        {
            std::lock_guard lock(mu_);
            if (ended_) co_return;
            out.swap(queued_);
        }
        if (out.empty()) {
            wake_.expires_after(lim_.keep_alive);
            auto [ec] = co_await wake_.async_wait(tuple_awaitable);
            if (ec) continue;  // woken: events queued, or the end
            out = ": keep-alive\n\n";
        }
        stream.expires_after(write_timeout);
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), tuple_awaitable);
        stream.expires_never();
        if (ec) co_return;
    }
}

asio::awaitable<void> event_stream::watch_peer(boost::beast::tcp_stream& stream) {
    // A client of an event stream sends nothing more; what it sends is
    // dropped. The read ends with its leaving.
    char sink[512];
    for (;;) {
        auto [ec, n] = co_await stream.socket().async_read_some(asio::buffer(sink), tuple_awaitable);
        if (ec) co_return;
    }
}

asio::awaitable<void> event_stream::run(boost::beast::tcp_stream& stream, std::chrono::milliseconds write_timeout) {
    using namespace asio::experimental::awaitable_operators;
    auto self = shared_from_this();
    {
        std::lock_guard lock(mu_);
        running_ = true;
    }
    co_await (write_loop(stream, write_timeout) || watch_peer(stream));
    finish();
}

}  // namespace mailroom::http
