#include "client/connect.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mailroom::client {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<connected> connect_to(const std::string& host, std::uint16_t port, std::chrono::milliseconds limit) {
    const auto executor = co_await asio::this_coro::executor;
    const auto until = std::chrono::steady_clock::now() + limit;
    connected out;
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor, until);
    auto looked_up = co_await (resolver.async_resolve(host, std::to_string(port), use_tuple) ||
                               timer.async_wait(use_tuple));
    if (looked_up.index() == 1) {
        out.error = fmt::format("cannot resolve {}: timed out", host);
        co_return out;
    }
    auto [rec, results] = std::get<0>(std::move(looked_up));
    if (rec || results.empty()) {
        out.error = fmt::format("cannot resolve {}: {}", host, rec ? rec.message() : "no address");
        co_return out;
    }
    for (const auto& entry : results) {
        const auto ep = entry.endpoint();
        const auto where = fmt::format("{}[{}]:{}", host, ep.address().to_string(), ep.port());
        tcp::socket sock(executor);
        timer.expires_at(until);
        auto which = co_await (sock.async_connect(ep, use_tuple) || timer.async_wait(use_tuple));
        if (which.index() == 1) {
            out.error = fmt::format("connect to {}: timed out", where);
            break;  // the deadline is for all attempts together
        }
        if (auto [ec] = std::get<0>(which); ec) {
            out.error = fmt::format("connect to {}: {}", where, ec.message());
            continue;
        }
        out.stream = std::make_unique<net::byte_stream>(std::move(sock));
        out.peer = where;
        out.error.clear();
        co_return out;
    }
    co_return out;
}

}  // namespace mailroom::client
