#include "server/listener_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "metrics/registry.hpp"
#include "net/byte_stream.hpp"
#include "server/connection_metrics.hpp"
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
    const char* protocol;      // for a session tap (net/stream_tap.hpp)
    std::string_view refusal;  // sent to a cleartext peer over the connection limit
    asio::awaitable<void> (*serve)(net::byte_stream&, const config::listener&, services&, const network_list&,
                                   const std::string&);
};

constexpr service_row service_table[] = {
    {config::service_kind::pop3, 'P', "pop3", "-ERR [SYS/TEMP] Too many connections, try again later.\r\n",
     [](net::byte_stream& peer, const config::listener& lc, services& svc, const network_list&, const std::string& id) {
         return serve_pop3(peer, lc,
                           {login_services_of(svc), svc.pool, svc.storage_pool, svc.tls, svc.mail_root,
                            svc.cfg.hostname, svc.clk, svc.rnd, svc.pop_before_smtp, svc.mailbox_events, svc.logins},
                           id);
     }},
    {config::service_kind::smtp, 'S', "smtp", "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::submission, 'S', "smtp", "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::imap, 'I', "imap", "* BYE [UNAVAILABLE] Too many connections, try again later.\r\n",
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

asio::awaitable<void> handle_connection(tcp::socket socket, std::shared_ptr<listener_runtime> lr,
                                        std::shared_ptr<connection_registry> live) {
    // The settings in force at accept: a reload does not change them for
    // this connection (the generation lives while the connection does).
    const auto gen = lr->gen;
    const config::listener& lc = *lr->cfg;
    const connection_env& env = gen->env;
    const auto& service = service_for(lc.service);
    std::shared_ptr<net::stream_tap> tap;  // `mailroom dev` only: recording and faults
    if (env.svc.session_taps && *env.svc.session_taps) {
        boost::system::error_code ec;
        const auto remote = socket.remote_endpoint(ec);
        tap = (*env.svc.session_taps)(
            {service.protocol, lc.name, ec ? "unknown" : host_port(remote), lc.tls == config::tls_mode::implicit});
    }
    net::byte_stream peer(std::move(socket));
    if (tap) peer.set_tap(std::move(tap));
    struct registered {
        connection_registry& list;
        connection_registry::iterator at;
        ~registered() { list.erase(at); }
    } in_registry{*live, live->insert(live->end(), &peer)};
    connection_metrics counted(env.svc.metrics, lc.name);  // after peer: reads its TLS at the end
    peer.set_handshake_limit(lc.tls_handshake_timeout);
    const std::string id = session_id(env.svc, service.id_prefix);
    const auto rule = env.limit_exempt.contains(peer.peer_address()) ? net::connection_limits::per_ip_rule::exempt
                                                                     : net::connection_limits::per_ip_rule::applies;
    auto slot = lr->limits.try_acquire(peer.peer_address(), rule);
    if (!slot) {
        spdlog::warn("{} refused listener={} ip={} reason=connection_limit", id, lc.name, peer.peer_address());
        counted.refused();
        // A cleartext peer gets a reason; an implicit-TLS one just a close.
        if (lc.tls != config::tls_mode::implicit) co_await peer.write_all(service.refusal, 5s);
        co_await peer.shutdown(1s);
        co_return;
    }
    spdlog::info("{} connect listener={} ip={} tls={}", id, lc.name, peer.peer_address(), tls_name(lc.tls));
    if (lc.tls == config::tls_mode::implicit) {
        const bool upgraded = co_await upgrade_to_tls(peer, env.svc.tls, id);
        if (!upgraded) {
            co_await peer.shutdown(1s);
            co_return;
        }
    }
    counted.session_started(peer);
    co_await service.serve(peer, lc, env.svc, env.trusted, id);
}

asio::awaitable<void> accept_loop(std::shared_ptr<listener_runtime> lr, std::shared_ptr<connection_registry> live) {
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
        auto [ec, socket] = co_await lr->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !lr->acceptor.is_open()) co_return;
        if (ec) {
            // EMFILE and friends: back off instead of spinning.
            spdlog::error("accept failed listener={} error=\"{}\"", lr->cfg->name, ec.message());
            asio::steady_timer t(ex, 100ms);
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        asio::co_spawn(ex, handle_connection(std::move(socket), lr, live), [](std::exception_ptr e) {
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

// Kept across a reload: the same name on the same address and port (port
// 0 - "any free port", for tests - matches the port it got).
bool same_socket(const config::listener& was, const config::listener& now) {
    return was.name == now.name && was.address == now.address && was.port == now.port;
}

void print_listening(const listener_runtime& lr) {
    const auto& lc = *lr.cfg;
    const auto where = host_port(lr.acceptor.local_endpoint());
    std::printf("listening %s %s tls=%s plaintext_auth=%s\n", lc.name.c_str(), where.c_str(), tls_name(lc.tls),
                lc.plaintext_auth ? "yes" : "no");
    std::fflush(stdout);
    spdlog::info("listening name={} address={} tls={} plaintext_auth={}", lc.name, where, tls_name(lc.tls),
                 lc.plaintext_auth);
}

bool same_limits(const config::listener& a, const config::listener& b) {
    return a.max_connections == b.max_connections && a.max_connections_per_ip == b.max_connections_per_ip;
}

}  // namespace

void listener_set::apply(const std::shared_ptr<const generation>& gen) {
    // First every socket that must be new, so that a failure changes nothing.
    std::list<std::shared_ptr<listener_runtime>> added;
    std::vector<std::pair<std::shared_ptr<listener_runtime>, const config::listener*>> kept;
    for (const auto& lc : gen->cfg.listeners) {
        auto old = std::find_if(open_.begin(), open_.end(), [&](const auto& lr) { return same_socket(*lr->cfg, lc); });
        if (old != open_.end()) {
            kept.emplace_back(*old, &lc);
            continue;
        }
        added.push_back(std::make_shared<listener_runtime>(
            listener_runtime{gen, &lc, listen_on(io_, lc), {lc.max_connections, lc.max_connections_per_ip}}));
    }
    // Then the change, all at once on the event loop.
    for (auto& [lr, lc] : kept) {
        // New limits count only the connections accepted from now on.
        if (!same_limits(*lr->cfg, *lc))
            lr->limits = net::connection_limits(lc->max_connections, lc->max_connections_per_ip);
        lr->gen = gen;
        lr->cfg = lc;
    }
    for (auto it = open_.begin(); it != open_.end();) {
        const bool stays = std::any_of(kept.begin(), kept.end(), [&](const auto& k) { return k.first == *it; });
        if (stays) {
            ++it;
            continue;
        }
        std::printf("closed %s\n", (*it)->cfg->name.c_str());
        std::fflush(stdout);
        spdlog::info("listener closed name={} (its connections go on)", (*it)->cfg->name);
        boost::system::error_code ignored;
        (*it)->acceptor.close(ignored);
        it = open_.erase(it);
    }
    for (auto& lr : added) {
        // Its series from the start, at 0 (a rate needs a first sample).
        if (gen->svc.metrics) gen->svc.metrics->listener(lr->cfg->name);
        print_listening(*lr);
        asio::co_spawn(io_, accept_loop(lr, live_), asio::detached);
        open_.push_back(std::move(lr));
    }
}

std::vector<std::string> listener_set::closed() const {
    std::vector<std::string> out;
    for (const auto& lr : open_)
        if (!lr->acceptor.is_open()) out.push_back(lr->cfg->name);
    return out;
}

std::vector<std::pair<std::string, unsigned>> listener_set::ports() const {
    std::vector<std::pair<std::string, unsigned>> out;
    for (const auto& lr : open_) {
        boost::system::error_code ec;
        const auto ep = lr->acceptor.local_endpoint(ec);
        if (!ec) out.emplace_back(lr->cfg->name, ep.port());
    }
    return out;
}

void listener_set::stop() {
    for (auto& lr : open_) {
        boost::system::error_code ignored;
        lr->acceptor.close(ignored);
    }
    open_.clear();
    for (auto* peer : *live_) peer->request_stop();
}

}  // namespace mailroom::server
