#include "server/listener_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <stdexcept>

#include "net/byte_stream.hpp"
#include "server/connection_steps.hpp"
#include "server/imap_connection.hpp"
#include "server/pop3_connection.hpp"
#include "server/smtp_connection.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const char* tls_name(config::tls_mode m) {
    switch (m) {
        case config::tls_mode::none: return "none";
        case config::tls_mode::starttls: return "starttls";
        case config::tls_mode::implicit: return "implicit";
    }
    return "?";
}

// One row per service kind: a new protocol is a new engine plus a row here.
struct service_row {
    config::service_kind kind;
    char id_prefix;            // session ids: "P1a", "S2b"
    std::string_view refusal;  // sent to a cleartext peer over the connection limit
    asio::awaitable<void> (*serve)(net::byte_stream&, const config::listener&, services&, const network_list&,
                                   const std::string&);
};

constexpr service_row service_table[] = {
    {config::service_kind::pop3, 'P', "-ERR [SYS/TEMP] Too many connections, try again later.\r\n",
     [](net::byte_stream& peer, const config::listener& lc, services& svc, const network_list&, const std::string& id) {
         return serve_pop3(peer, lc,
                           {login_services_of(svc), svc.pool, svc.storage_pool, svc.tls, svc.mail_root,
                            svc.cfg.hostname, svc.clk, svc.rnd, svc.pop_before_smtp, svc.mailbox_events, svc.logins},
                           id);
     }},
    {config::service_kind::smtp, 'S', "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::submission, 'S', "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::imap, 'I', "* BYE [UNAVAILABLE] Too many connections, try again later.\r\n",
     [](net::byte_stream& peer, const config::listener& lc, services& svc, const network_list&, const std::string& id) {
         return serve_imap(peer, lc, imap_services_of(svc), id);
     }},
};

const service_row& service_for(config::service_kind kind) {
    for (const auto& row : service_table)
        if (row.kind == kind) return row;
    throw std::logic_error("no service table row for a configured listener");  // config validation prevents it
}

std::string host_port(const tcp::endpoint& ep) {
    return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

asio::awaitable<void> handle_connection(tcp::socket socket, listener_runtime& lr, const connection_env& env) {
    net::byte_stream peer(std::move(socket));
    peer.set_handshake_limit(lr.cfg.tls_handshake_timeout);
    const auto& service = service_for(lr.cfg.service);
    const std::string id = session_id(env.svc, service.id_prefix);
    const auto rule = env.limit_exempt.contains(peer.peer_address()) ? net::connection_limits::per_ip_rule::exempt
                                                                     : net::connection_limits::per_ip_rule::applies;
    auto slot = lr.limits.try_acquire(peer.peer_address(), rule);
    if (!slot) {
        spdlog::warn("{} refused listener={} ip={} reason=connection_limit", id, lr.cfg.name, peer.peer_address());
        // A cleartext peer gets a reason; an implicit-TLS one just a close.
        if (lr.cfg.tls != config::tls_mode::implicit) co_await peer.write_all(service.refusal, 5s);
        co_await peer.shutdown(1s);
        co_return;
    }
    spdlog::info("{} connect listener={} ip={} tls={}", id, lr.cfg.name, peer.peer_address(), tls_name(lr.cfg.tls));
    if (lr.cfg.tls == config::tls_mode::implicit) {
        const bool upgraded = co_await upgrade_to_tls(peer, env.svc.tls, id);
        if (!upgraded) {
            co_await peer.shutdown(1s);
            co_return;
        }
    }
    co_await service.serve(peer, lr.cfg, env.svc, env.trusted, id);
}

asio::awaitable<void> accept_loop(listener_runtime& lr, const connection_env& env) {
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
        auto [ec, socket] = co_await lr.acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {
            // EMFILE and friends: back off instead of spinning.
            spdlog::error("accept failed listener={} error=\"{}\"", lr.cfg.name, ec.message());
            asio::steady_timer t(ex, 100ms);
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        asio::co_spawn(ex, handle_connection(std::move(socket), lr, env), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& err) {
                spdlog::error("connection aborted error=\"{}\"", err.what());
            }
        });
    }
}

tcp::acceptor listen_on(asio::io_context& io, const config::listener& lc) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(lc.address, ec);
    if (ec) throw std::runtime_error("listener " + lc.name + ": bad address " + lc.address);
    tcp::endpoint ep(addr, lc.port);
    tcp::acceptor acc(io);
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && addr.is_v6()) acc.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("listener {}: cannot listen on {}: {}", lc.name, host_port(ep), ec.message()));
    return acc;
}

}  // namespace

std::list<listener_runtime> open_listeners(asio::io_context& io, const std::vector<config::listener>& cfg) {
    std::list<listener_runtime> listeners;
    for (const auto& lc : cfg) {
        auto& lr = listeners.emplace_back(
            listener_runtime{lc, listen_on(io, lc), {lc.max_connections, lc.max_connections_per_ip}});
        std::printf("listening %s %s tls=%s plaintext_auth=%s\n", lc.name.c_str(),
                    host_port(lr.acceptor.local_endpoint()).c_str(), tls_name(lc.tls),
                    lc.plaintext_auth ? "yes" : "no");
        spdlog::info("listening name={} address={} tls={} plaintext_auth={}", lc.name,
                     host_port(lr.acceptor.local_endpoint()), tls_name(lc.tls), lc.plaintext_auth);
    }
    return listeners;
}

void start_accepting(asio::io_context& io, std::list<listener_runtime>& listeners, const connection_env& env) {
    for (auto& lr : listeners) asio::co_spawn(io, accept_loop(lr, env), asio::detached);
}

}  // namespace mailroom::server
