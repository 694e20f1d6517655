#include "server/server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include "auth/sasl_server.hpp"
#include "durable/group_commit.hpp"
#include "proxy/listener.hpp"
#include "server/control_socket.hpp"
#include "server/generation.hpp"
#include "server/listener_loop.hpp"
#include "server/login_check.hpp"
#include "server/ops_http.hpp"
#include "server/outbound.hpp"
#include "server/privileges.hpp"
#include "server/reloader.hpp"
#include "server/service_notify.hpp"
#include "server/startup.hpp"
#include "storage/pop_before_smtp.hpp"
#include "store/change_bus.hpp"
#include "store/inotify_watcher.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

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

// SIGTERM/SIGINT: stop accepting, let each session end after its command,
// let delivery rounds end, all within shutdown_timeout; then stop the loop
// (what is still busy is cut: the queue on disk says what is left, and a
// message whose reply came is already recorded - delivery/scheduler.cpp).
class graceful_stop {
public:
    graceful_stop(asio::io_context& io, listener_set& listeners, ops_http& http, outbound& out,
                  proxy::proxy_set* proxies)
        : io_(io), listeners_(listeners), http_(http), out_(out), proxies_(proxies), timer_(io) {}

    bool stopping() const noexcept { return stopping_; }

    void begin(std::chrono::seconds limit) {
        if (stopping_) {  // a second signal: at once
            spdlog::warn("stopping now sessions={}", listeners_.connections());
            return finish();
        }
        stopping_ = true;
        notify_stopping();
        end_ = std::chrono::steady_clock::now() + limit;
        listeners_.stop();
        if (proxies_) proxies_->stop();
        http_.close();
        out_.stop();
        spdlog::info("stopping sessions={} deliveries={} shutdown_timeout={}s", listeners_.connections(),
                     out_.scheduler().rounds_in_flight(), limit.count());
        poll();
    }

private:
    void poll() {
        const auto sessions = listeners_.connections() + (proxies_ ? proxies_->sessions() : 0);
        const auto rounds = out_.scheduler().rounds_in_flight();
        if (sessions == 0 && rounds == 0) return finish();
        if (std::chrono::steady_clock::now() >= end_) {
            spdlog::warn("shutdown_timeout passed: closing sessions={} deliveries={}", sessions, rounds);
            return finish();
        }
        timer_.expires_after(50ms);
        timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) poll();
        });
    }

    void finish() {
        timer_.cancel();
        io_.stop();
    }

    asio::io_context& io_;
    listener_set& listeners_;
    ops_http& http_;
    outbound& out_;
    proxy::proxy_set* proxies_;
    asio::steady_timer timer_;
    std::chrono::steady_clock::time_point end_{};
    bool stopping_ = false;
};

// Whether a reload leaves [[proxy]] as it was (passwords aside): they are
// read at start only, and a change is worth a warning.
bool same_proxies(const std::vector<config::proxy_entry>& a, const std::vector<config::proxy_entry>& b) {
    const auto key = [](const config::proxy_entry& e) {
        return std::tie(e.name, e.protocol, e.listen_address, e.listen_port, e.allow_remote, e.upstream_host,
                        e.upstream_port, e.tls, e.auth, e.verify_certificate, e.ca_file, e.upstream_user, e.local_user);
    };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](const auto& x, const auto& y) { return key(x) == key(y); });
}

// Each entry's listener, printed like the server's own ("listening NAME
// ADDRESS:PORT ...", name "proxy:" + the entry's): its side is plaintext.
std::unique_ptr<proxy::proxy_set> start_proxies(asio::io_context& io, const std::vector<config::proxy_entry>& entries,
                                                auth::sasl_context* sasl) {
    if (entries.empty()) return nullptr;
    auto set = std::make_unique<proxy::proxy_set>(io, entries, proxy::run_options{}, sasl);
    for (const auto& b : set->listening()) {
        const auto addr = b.endpoint.address();
        const auto where = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
        std::printf("listening proxy:%s %s:%u tls=none plaintext_auth=yes\n", b.entry->name.c_str(), where.c_str(),
                    static_cast<unsigned>(b.endpoint.port()));
        spdlog::info("{}", proxy::listening_line(b));
    }
    return set;
}

}  // namespace

std::filesystem::path database_path(const config::settings& cfg) { return cfg.data_dir / "mailroom.db"; }
std::filesystem::path mail_root(const config::settings& cfg) { return cfg.data_dir / "mail"; }

int run(config::settings cfg, std::function<config::settings()> reread) {
    // TLS writes go through OpenSSL on the socket (SSL_set_fd): a peer that
    // closes while a reply is written must not kill the server with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    // What needs root first: the plan (refused before anything is made),
    // the data directory, the certificate; then the drop. The listeners are
    // bound after it, with the one capability kept (CAP_NET_BIND_SERVICE),
    // which a reload needs too; nothing else is opened as root, so every
    // file the server makes is its user's.
    const auto run_as = plan_privileges(cfg, ::geteuid());
    prepare_data_dir(cfg);
    auto tls = load_tls(cfg);
    if (run_as) {
        const auto changed = hand_over(cfg.data_dir, *run_as);
        spdlog::info("data directory handed over path={} user={} changed={}", cfg.data_dir.string(), run_as->name,
                     changed);
        drop_to(*run_as, true);  // before any thread exists
    }
    const auto users = open_directory(cfg);
    const auto sasl = start_sasl();
    system_clock clk;
    system_random rnd;
    storage::pop_before_smtp pbs(cfg.pop_before_smtp_window);
    const client_networks networks = client_networks_of(cfg);
    login_guard logins(penalty_of(cfg), networks.limit_exempt);
    metrics::registry metrics;  // /metrics: outlives every part that counts
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
    // Other programs' changes to open mailboxes, onto the bus (IMAP IDLE);
    // without inotify, IDLE polls the Maildir instead.
    auto watcher = store::inotify_watcher::start(mailbox_events);
    if (!watcher) spdlog::warn("inotify unavailable: IDLE polls mailboxes error=\"{}\"", watcher.error().message());
    asio::io_context io(1);
    process_parts parts{*users,
                        *sasl,
                        pbs,
                        pool,
                        storage_pool,
                        mail_root(cfg),
                        clk,
                        rnd,
                        make_dummy_hash(rnd),
                        *queued.spool,
                        mailbox_commits,
                        &mailbox_events,
                        &logins,
                        &metrics,
                        watcher ? watcher->get() : nullptr};
    const auto shutdown_timeout = cfg.shutdown_timeout;
    // Alive as long as run(): outbound delivery uses its services.
    auto first = std::make_shared<generation>(std::move(cfg), std::move(tls), parts, 1);

    // Outbound delivery owns every queued message from here on (issue #4).
    // Destroyed before io (declared after it): the resolver's descriptor and
    // the scheduler's timer belong to io. A reload hands it the new
    // generation's [delivery] (reload steps below).
    outbound out(io, first->svc);
    parts.outbound = &out.scheduler();
    first->svc.outbound = parts.outbound;
    out.start(std::move(queued.messages));

    listener_set listeners(io);  // its connections hold their generation, not this
    listeners.apply(first);
    // /metrics and /healthz ([http]; a reload may move it).
    ops_http http_listener(io, first->cfg, metrics, listeners, out.scheduler());
    std::vector<reload_step> steps{
        [&out](const auto& next) { return out.prepare_reload(next); },
        [&http_listener](const auto& next) { return http_listener.prepare_reload(next->cfg); },
        [&logins, &pbs](const auto& next) -> std::function<void()> {
            return [&logins, &pbs, next] {
                logins.reconfigure(penalty_of(next->cfg), next->networks.limit_exempt);
                pbs.set_window(next->cfg.pop_before_smtp_window);
            };
        },
        [&first](const auto& next) -> std::function<void()> {
            if (!same_proxies(first->cfg.proxies, next->cfg.proxies))
                spdlog::warn("[[proxy]] entries changed: they are read at start only, restart the server for them");
            return [] {};
        },
    };
    reloader reloads(std::move(reread), listeners, parts, *users, first, std::move(steps));
    // `mailroom queue flush|delete|bounce` reach the scheduler here, and
    // `mailroom reload` the reloader.
    // [[proxy]] entries (issue #13) on the same loop; read at start only:
    // a reload leaves them as they are (and warns when they changed).
    auto proxies = start_proxies(io, first->cfg.proxies, sasl.get());
    graceful_stop stop(io, listeners, http_listener, out, proxies.get());
    // A reload while stopping would open listeners again.
    const auto reload_unless_stopping = [&]() -> queue::control_reply {
        if (stop.stopping()) return {false, "the server is stopping: not reloaded"};
        return reloads.reload();
    };
    auto control = control_socket::start(io, control_socket_path(first->cfg.data_dir), out.scheduler(),
                                         reload_unless_stopping);

    asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    std::function<void()> await_stop = [&] {
        stop_signals.async_wait([&](boost::system::error_code ec, int sig) {
            if (ec) return;
            spdlog::info("stopping signal={}", sig);
            stop.begin(shutdown_timeout);
            await_stop();
        });
    };
    await_stop();
    asio::signal_set hangup(io, SIGHUP);
    std::function<void()> await_hangup = [&] {
        hangup.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            reload_unless_stopping();
            await_hangup();
        });
    };
    await_hangup();

    notify_ready();
    std::printf("ready pid=%d\n", static_cast<int>(::getpid()));
    std::fflush(stdout);
    const auto& now = reloads.current()->cfg;
    spdlog::info("ready hostname={} data_dir={} pid={}", now.hostname, now.data_dir.string(), ::getpid());
    io.run();
    control.reset();  // the socket file goes first: the CLI then knows nobody answers
    storage_pool.join();
    pool.join();
    return 0;
}

}  // namespace mailroom::server
