#include "delivery/transfer.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "delivery/detail/session_driver.hpp"
#include "net/byte_stream.hpp"

namespace mailroom::delivery {
namespace {

namespace asio = boost::asio;
namespace sc = smtp::client;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string describe(const std::string& host, const tcp::endpoint& ep) {
    const auto addr = ep.address();
    return fmt::format("{}[{}]:{}", host, addr.to_string(), ep.port());
}

// Every recipient of every message: temporary, at the connection stage,
// with our own text (no server answered).
std::vector<sc::message_done> unreached(const std::vector<sc::outgoing_message>& messages, const std::string& why) {
    std::vector<sc::message_done> out;
    for (const auto& m : messages) {
        sc::message_done d;
        d.id = m.id;
        for (const auto& r : m.recipients) {
            sc::recipient_outcome o;
            o.address = r.address;
            o.status = sc::delivery_status::temporary;
            o.where = sc::stage::connection;
            o.response = sc::reply::local("4.4.1", why);  // RFC 3463: no answer from host
            d.recipients.push_back(std::move(o));
        }
        out.push_back(std::move(d));
    }
    return out;
}

// Another endpoint may do better: nothing reached any message's MAIL.
bool worth_another_endpoint(const transfer_report& r) {
    for (const auto& m : r.messages)
        for (const auto& o : m.recipients)
            if (o.where != sc::stage::connection || o.status != sc::delivery_status::temporary) return false;
    return true;
}

// Connects within `limit`; the error says why not.
asio::awaitable<boost::system::error_code> connect(tcp::socket& sock, const tcp::endpoint& ep,
                                                   std::chrono::seconds limit) {
    asio::steady_timer timer(sock.get_executor(), limit);
    auto which = co_await (sock.async_connect(ep, use_tuple) || timer.async_wait(use_tuple));
    if (which.index() == 1) co_return make_error_code(asio::error::timed_out);
    auto [ec] = std::get<0>(which);
    co_return ec;
}

}  // namespace

asio::awaitable<transfer_report> transfer(const transfer_options& opt, const smtp_destination& dest,
                                          std::vector<sc::outgoing_message> messages, message_done_handler on_done) {
    transfer_report report;
    report.detail = "no address to connect to for " + dest.host;
    report.messages = unreached(messages, report.detail);
    const auto executor = co_await asio::this_coro::executor;
    for (const auto& ep : dest.endpoints) {
        const auto where = describe(dest.host, ep);
        if (opt.trace) opt.trace("*", "connecting to " + where);
        tcp::socket sock(executor);
        const auto ec = co_await connect(sock, ep, opt.connect_timeout);
        if (ec) {
            report = transfer_report{};
            report.why = sc::close_reason::connection_lost;
            report.detail = fmt::format("connect to {}: {}", where, ec.message());
            report.messages = unreached(messages, report.detail);
            if (opt.trace) opt.trace("*", report.detail);
            continue;
        }
        report = transfer_report{};
        report.peer = where;
        net::byte_stream stream(std::move(sock));
        co_await detail::drive_session(stream, opt, dest, messages, report, on_done);
        if (!worth_another_endpoint(report)) break;
    }
    co_return report;
}

}  // namespace mailroom::delivery
