#include "http/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>

#include "common/log_field.hpp"

namespace mailroom::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Read-ahead beyond the head: the parser moves body bytes out of the
// buffer as they come, so the buffer never holds more than this.
constexpr std::size_t read_ahead_bytes = 16 * 1024;

// The answer to a request Beast could not read; nullopt: just close (the
// peer left, or the deadline passed: Beast's tcp_stream has closed the
// socket then, so there is no 408 to send).
std::optional<bhttp::status> status_for(const boost::system::error_code& ec) {
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == beast::error::timeout)
        return std::nullopt;
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
        return bhttp::status::request_header_fields_too_large;  // RFC 6585 §5
    if (ec == bhttp::error::body_limit) return bhttp::status::payload_too_large;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return bhttp::status::bad_request;
    return std::nullopt;  // a socket error
}

// For answers given before a request was read: HTTP/1.1, then close.
request closing_request() {
    request req;
    req.version(11);
    req.keep_alive(false);
    return req;
}

}  // namespace

listener::listener(asio::any_io_executor ex, const tcp::endpoint& at, const router& routes, const limits& lim,
                   std::function<void(unsigned)> on_answer)
    : acceptor_(ex), routes_(routes), limits_(lim), on_answer_(std::move(on_answer)) {
    boost::system::error_code ec;
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        const auto addr = at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string();
        throw std::runtime_error(fmt::format("http: cannot listen on {}:{}: {}", addr, at.port(), ec.message()));
    }
}

void listener::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

void listener::close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& w : *streams_)
        if (auto s = w.lock()) s->close();
    streams_->clear();
}

asio::awaitable<void> listener::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec) {
            // EMFILE and friends: back off instead of spinning.
            spdlog::error("http accept failed error=\"{}\"", ec.message());
            asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(100));
            co_await t.async_wait(tuple_awaitable);
            continue;
        }
        asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& err) {
                spdlog::error("http connection aborted error=\"{}\"", err.what());
            }
        });
    }
}

asio::awaitable<void> listener::serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    struct release {
        std::shared_ptr<unsigned> n;
        ~release() { --*n; }
    } slot{open_};
    ++*slot.n;

    if (*slot.n > limits_.max_connections) {
        auto res = make_response(closing_request(), bhttp::status::service_unavailable, "too many connections\n");
        stream.expires_after(std::chrono::seconds(1));
        co_await bhttp::async_write(stream, res, tuple_awaitable);
        answered(res.result_int());
        co_return;
    }

    beast::flat_buffer buffer(limits_.max_header_bytes + read_ahead_bytes);
    for (unsigned served = 0; served < limits_.max_requests_per_connection; ++served) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
        parser.body_limit(limits_.max_body_bytes);
        stream.expires_after(limits_.idle_timeout);  // head and body together
        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, tuple_awaitable);
        if (!ec && !parser.is_done()) {
            // RFC 9110 §10.1.1: a client that waits for 100 before the body.
            if (parser.get()[bhttp::field::expect] == "100-continue" && parser.get().version() >= 11) {
                bhttp::response<bhttp::empty_body> go_on(bhttp::status::continue_, 11);
                std::tie(ec, n) = co_await bhttp::async_write(stream, go_on, tuple_awaitable);
            }
            if (!ec) std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, tuple_awaitable);
        }
        if (ec) {
            const auto status = status_for(ec);
            if (status) {
                auto res = make_response(closing_request(), *status,
                                         std::string(bhttp::obsolete_reason(*status)) + "\n");
                stream.expires_after(limits_.write_timeout);
                co_await bhttp::async_write(stream, res, tuple_awaitable);
                answered(res.result_int());
                spdlog::debug("http refused status={} error=\"{}\"", res.result_int(), ec.message());
            }
            break;
        }

        request req = parser.release();
        std::shared_ptr<event_stream> events;
        auto res = co_await routes_.dispatch(req, acceptor_.is_open() ? &events : nullptr);
        if (events) {
            co_await stream_events(stream, res, std::move(events));
            co_return;
        }
        if (served + 1 == limits_.max_requests_per_connection) res.keep_alive(false);
        spdlog::debug("http {} {} status={}", std::string_view(req.method_string()),
                      log_field(std::string_view(req.target())), res.result_int());
        stream.expires_after(limits_.write_timeout);
        auto [wec, written] = co_await bhttp::async_write(stream, res, tuple_awaitable);
        answered(res.result_int());
        if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> listener::stream_events(beast::tcp_stream& stream, response& res,
                                              std::shared_ptr<event_stream> events) {
    // The body is delimited by the connection's close (RFC 9112 §6.3 item 8).
    res.erase(bhttp::field::content_length);
    res.body().clear();
    res.keep_alive(false);
    std::erase_if(*streams_, [](const std::weak_ptr<event_stream>& w) { return w.expired(); });
    streams_->push_back(events);
    bhttp::response_serializer<bhttp::string_body> head(res);
    stream.expires_after(limits_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(stream, head, tuple_awaitable);
    answered(res.result_int());
    stream.expires_never();
    if (!ec) co_await events->run(stream, limits_.write_timeout);
    else events->close();
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace mailroom::http
