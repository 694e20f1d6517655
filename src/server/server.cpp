#include "server/server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <stdexcept>

#include "auth/sasl_server.hpp"
#include "durable/group_commit.hpp"
#include "server/control_socket.hpp"
#include "server/listener_loop.hpp"
#include "server/login_check.hpp"
#include "server/outbound.hpp"
#include "server/startup.hpp"
#include "storage/pop_before_smtp.hpp"
#include "store/change_bus.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

std::unique_ptr<auth::sasl_context> start_sasl() {
    auto sasl = auth::sasl_context::create();
    if (!sasl) throw std::runtime_error("cannot initialise GNU SASL: " + sasl.error().message());
    return std::move(*sasl);
}

proto::penalty_limits penalty_of(const config::settings& cfg) {
    proto::penalty_limits p;
    p.delay = cfg.login_penalty.delay;
    p.max_delay = cfg.login_penalty.max_delay;
    p.decay = cfg.login_penalty.decay;
    return p;
}

}  // namespace

std::filesystem::path database_path(const config::settings& cfg) { return cfg.data_dir / "mailroom.db"; }
std::filesystem::path mail_root(const config::settings& cfg) { return cfg.data_dir / "mail"; }

int run(config::settings cfg) {
    prepare_data_dir(cfg);
    const auto tls = load_tls(cfg);
    const auto users = open_directory(cfg);
    const auto sasl = start_sasl();
    system_clock clk;
    system_random rnd;
    const std::string dummy_hash = make_dummy_hash(rnd);
    storage::pop_before_smtp pbs(cfg.pop_before_smtp_window);
    const client_networks networks = client_networks_of(cfg);
    login_guard logins(penalty_of(cfg), networks.limit_exempt);
    // The queue: recovered before any connection is accepted, then handed
    // to outbound delivery.
    auto queued = recover_queue(cfg);

    asio::thread_pool pool(4);
    // Sessions that finish DATA at the same time wait here on their fsyncs
    // together: the more of them wait at once, the larger the group commit.
    // Threads blocked on I/O cost a stack each, no CPU.
    constexpr std::size_t storage_threads = 32;
    asio::thread_pool storage_pool(storage_threads);
    durable::group_commit mailbox_commits(durable::real_file_system());
    store::change_bus mailbox_events;  // outlives every session: declared before them
    asio::io_context io(1);
    services svc{cfg,        *users,        *sasl,           pbs, pool, storage_pool, *tls, mail_root(cfg), clk, rnd,
                 dummy_hash, *queued.spool, mailbox_commits, {}};
    svc.mailbox_events = &mailbox_events;
    svc.logins = &logins;

    auto listeners = open_listeners(io, cfg.listeners);
    const connection_env env{svc, networks.trusted, networks.limit_exempt};  // outlives the accept loops
    start_accepting(io, listeners, env);

    // Outbound delivery owns every queued message from here on (issue #4).
    // Destroyed before io (declared after it): the resolver's descriptor and
    // the scheduler's timer belong to io.
    outbound out(io, svc);
    svc.outbound = &out.scheduler();
    out.start(std::move(queued.messages));
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
