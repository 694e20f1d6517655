#include "server/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <list>
#include <stdexcept>

#include "auth/password.hpp"
#include "common/errors.hpp"
#include "net/connection_limits.hpp"
#include "net/tls_context.hpp"
#include "server/connection_steps.hpp"
#include "server/control_socket.hpp"
#include "server/imap_connection.hpp"
#include "server/networks.hpp"
#include "server/outbound.hpp"
#include "server/pop3_connection.hpp"
#include "server/smtp_connection.hpp"
#include "storage/sqlite/userdb.hpp"

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

// One open listener: its socket, its limits and its configuration.
struct listener_runtime {
    const config::listener& cfg;
    tcp::acceptor acceptor;
    net::connection_limits limits;
};

// One row per service kind: a new protocol is a new engine plus a row here.
struct service_row {
    config::service_kind kind;
    char id_prefix;            // session ids: "P1a", "S2b"
    std::string_view refusal;  // sent to a cleartext peer over the connection limit
    asio::awaitable<void> (*serve)(net::byte_stream&, const config::listener&, services&, const network_list&,
                                   const std::string&);
};

constexpr service_row service_table[] = {
    {config::service_kind::pop3, 'P', "-ERR [SYS/TEMP] Too many connections, try again later.\r\n", &serve_pop3},
    {config::service_kind::smtp, 'S', "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::submission, 'S', "421 4.7.0 Too many connections, try again later\r\n", &serve_smtp},
    {config::service_kind::imap, 'I', "* BYE [UNAVAILABLE] Too many connections, try again later.\r\n", &serve_imap},
};

const service_row& service_for(config::service_kind kind) {
    for (const auto& row : service_table)
        if (row.kind == kind) return row;
    throw std::logic_error("no service table row for a configured listener");  // config validation prevents it
}

asio::awaitable<void> handle_connection(tcp::socket socket, listener_runtime& lr, services& svc,
                                        const network_list& trusted) {
    net::byte_stream peer(std::move(socket));
    const auto& service = service_for(lr.cfg.service);
    const std::string id = session_id(svc, service.id_prefix);
    auto slot = lr.limits.try_acquire(peer.peer_address());
    if (!slot) {
        spdlog::warn("{} refused listener={} ip={} reason=connection_limit", id, lr.cfg.name, peer.peer_address());
        // A cleartext peer gets a reason; an implicit-TLS one just a close.
        if (lr.cfg.tls != config::tls_mode::implicit) co_await peer.write_all(service.refusal, 5s);
        co_await peer.shutdown(1s);
        co_return;
    }
    spdlog::info("{} connect listener={} ip={} tls={}", id, lr.cfg.name, peer.peer_address(), tls_name(lr.cfg.tls));
    if (lr.cfg.tls == config::tls_mode::implicit) {
        const bool upgraded = co_await upgrade_to_tls(peer, svc.tls, id);
        if (!upgraded) {
            co_await peer.shutdown(1s);
            co_return;
        }
    }
    co_await service.serve(peer, lr.cfg, svc, trusted, id);
}

asio::awaitable<void> accept_loop(listener_runtime& lr, services& svc, const network_list& trusted) {
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
        asio::co_spawn(ex, handle_connection(std::move(socket), lr, svc, trusted), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& err) {
                spdlog::error("connection aborted error=\"{}\"", err.what());
            }
        });
    }
}

std::string host_port(const tcp::endpoint& ep) {
    return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

std::filesystem::path database_path(const config::settings& cfg) { return cfg.data_dir / "mailroom.db"; }
std::filesystem::path mail_root(const config::settings& cfg) { return cfg.data_dir / "mail"; }

int run(config::settings cfg) {
    namespace fs = std::filesystem;
    fs::create_directories(mail_root(cfg));
    fs::permissions(cfg.data_dir, fs::perms::owner_all, fs::perm_options::replace);

    if (cfg.tls_cert.empty()) {
        cfg.tls_cert = cfg.data_dir / "tls" / "cert.pem";
        cfg.tls_key = cfg.data_dir / "tls" / "key.pem";
        if (auto ec = net::ensure_self_signed(cfg.tls_cert, cfg.tls_key, cfg.hostname))
            throw std::runtime_error("cannot create a self-signed certificate in " +
                                     cfg.tls_cert.parent_path().string() + ": " + ec.message());
    }
    auto tls = net::make_server_context(cfg.tls_cert, cfg.tls_key);
    if (!tls)
        throw std::runtime_error("cannot load TLS certificate " + cfg.tls_cert.string() + " / key " +
                                 cfg.tls_key.string());

    auto users = storage::userdb::open(database_path(cfg));
    if (!users) throw std::runtime_error("cannot open " + database_path(cfg).string() + ": " + users.error().message());
    for (const auto& d : cfg.domains) {
        auto ec = (*users)->add_domain(d);
        if (ec && ec != errc::already_exists) throw std::runtime_error("cannot add domain " + d + ": " + ec.message());
    }
    auto sasl = auth::sasl_context::create();
    if (!sasl) throw std::runtime_error("cannot initialise GNU SASL: " + sasl.error().message());

    system_clock clk;
    system_random rnd;
    std::array<std::uint8_t, 32> noise;
    rnd.fill(noise);
    std::string noise_hex;  // SCRAM's SASLprep wants text
    for (auto b : noise) noise_hex += fmt::format("{:02x}", b);
    auto dummy = auth::make_credentials(secret(std::move(noise_hex)), false);
    if (!dummy) throw std::runtime_error("cannot hash: " + dummy.error().message());

    storage::pop_before_smtp pbs(cfg.pop_before_smtp_window);
    auto trusted_list = network_list::parse(cfg.trusted_networks);
    if (!trusted_list) throw std::runtime_error("bad trusted_networks");
    const network_list& trusted = *trusted_list;

    // The queue: recovered before any connection is accepted, then handed
    // to outbound delivery.
    auto spool = queue::spool::open(cfg.data_dir / "queue");
    if (!spool)
        throw std::runtime_error("cannot open the queue " + (cfg.data_dir / "queue").string() + ": " +
                                 spool.error().message());
    auto queued = (*spool)->recover();
    if (!queued) throw std::runtime_error("cannot recover the queue: " + queued.error().message());
    spdlog::info("queue recovered messages={}", queued->size());

    asio::thread_pool pool(4);
    // Sessions that finish DATA at the same time wait here on their fsyncs
    // together: the more of them wait at once, the larger the group commit.
    // Threads blocked on I/O cost a stack each, no CPU.
    constexpr std::size_t storage_threads = 32;
    asio::thread_pool storage_pool(storage_threads);
    durable::group_commit mailbox_commits(durable::real_file_system());
    store::change_bus mailbox_events;  // outlives every session: declared before them
    asio::io_context io(1);
    services svc{cfg,
                 **users,
                 **sasl,
                 pbs,
                 pool,
                 storage_pool,
                 **tls,
                 mail_root(cfg),
                 clk,
                 rnd,
                 dummy->password_hash,
                 **spool,
                 mailbox_commits,
                 {}};
    svc.mailbox_events = &mailbox_events;

    std::list<listener_runtime> listeners;  // stable addresses for the accept loops
    for (const auto& lc : cfg.listeners) {
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
        auto& lr = listeners.emplace_back(
            listener_runtime{lc, std::move(acc), {lc.max_connections, lc.max_connections_per_ip}});
        std::printf("listening %s %s tls=%s plaintext_auth=%s\n", lc.name.c_str(),
                    host_port(lr.acceptor.local_endpoint()).c_str(), tls_name(lc.tls),
                    lc.plaintext_auth ? "yes" : "no");
        spdlog::info("listening name={} address={} tls={} plaintext_auth={}", lc.name,
                     host_port(lr.acceptor.local_endpoint()), tls_name(lc.tls), lc.plaintext_auth);
    }
    for (auto& lr : listeners) asio::co_spawn(io, accept_loop(lr, svc, trusted), asio::detached);

    // Outbound delivery owns every queued message from here on (issue #4).
    // Destroyed before io (declared after it): the resolver's descriptor and
    // the scheduler's timer belong to io.
    outbound out(io, svc);
    svc.outbound = &out.scheduler();
    out.start(std::move(*queued));
    // `mailroom queue flush|delete|bounce` reach the scheduler here.
    auto control = control_socket::start(io, control_socket_path(cfg.data_dir), out.scheduler());

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        spdlog::info("stopping signal={}", sig);
        // Rounds under way are abandoned; the queue on disk says what is
        // left, and a message sent but not yet recorded is sent again after
        // the restart (the duplicate RFC 5321 §6.1 accepts over a loss).
        out.stop();
        io.stop();
    });
    std::printf("ready pid=%d\n", static_cast<int>(::getpid()));
    std::fflush(stdout);
    spdlog::info("ready hostname={} data_dir={} pid={}", cfg.hostname, cfg.data_dir.string(), ::getpid());
    io.run();
    control.reset();  // the socket file goes first: the CLI then knows nobody answers
    storage_pool.join();
    pool.join();
    return 0;
}

}  // namespace mailroom::server
