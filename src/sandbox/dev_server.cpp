#include "sandbox/dev_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "auth/password.hpp"
#include "common/errors.hpp"
#include "config/loader.hpp"
#include "http/listener.hpp"
#include "http/ops_handlers.hpp"
#include "metrics/registry.hpp"
#include "sandbox/any_login.hpp"
#include "sandbox/catch_all_directory.hpp"
#include "sandbox/dev_context.hpp"
#include "sandbox/fault_scenario.hpp"
#include "sandbox/session_tap.hpp"
#include "sandbox/smarthost_release.hpp"
#include "server/generation.hpp"
#include "server/listener_loop.hpp"
#include "server/login_check.hpp"
#include "server/ops_http.hpp"
#include "server/server.hpp"
#include "server/startup.hpp"
#include "store/inotify_watcher.hpp"

namespace mailroom::sandbox {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A data directory made for this run: removed at exit unless kept.
class data_dir_guard {
public:
    data_dir_guard(std::filesystem::path p, bool remove) : path_(std::move(p)), remove_(remove) {}
    data_dir_guard(const data_dir_guard&) = delete;
    data_dir_guard& operator=(const data_dir_guard&) = delete;
    ~data_dir_guard() {
        if (!remove_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
        if (ec) spdlog::warn("cannot remove data_dir={} error=\"{}\"", path_.string(), ec.message());
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    bool remove_;
};

std::filesystem::path make_temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = (std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / "mailroom-dev-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr)
        throw std::runtime_error("cannot make a temporary data directory in " + templ + ": " + std::strerror(errno));
    return templ;
}

std::optional<std::string> read_file(const std::filesystem::path& p, std::size_t max_bytes) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text;
    text.resize(max_bytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;  // one byte more than allowed: the parsers refuse it
}

// The errors of a file, one per line, as "mailroom dev: FILE: line N: ...".
int refuse(const std::filesystem::path& file, const std::vector<std::string>& errors) {
    for (const auto& e : errors) std::cerr << "mailroom dev: " << file.string() << ": " << e << "\n";
    return 2;
}

void import_users(storage::userdb& db, const users_file& f) {
    for (const auto& [address, password] : f.users) {
        const auto domain = address.substr(address.find('@') + 1);
        if (auto ec = db.add_domain(domain); ec && ec != errc::already_exists)
            throw std::runtime_error("cannot add domain " + domain + ": " + ec.message());
        // Legacy secret kept: APOP and CRAM-MD5 can be tested with real checks too.
        auto cred = auth::make_credentials(secret(password), true);
        if (!cred) throw std::runtime_error("cannot hash the password of " + address + ": " + cred.error().message());
        storage::user_record rec{address, std::move(*cred), std::nullopt};
        auto ec = db.add_user(rec);
        if (ec == errc::already_exists) ec = db.update_credentials(rec);
        if (ec) throw std::runtime_error("cannot add user " + address + ": " + ec.message());
    }
}

std::string random_token(random_source& rnd) {
    std::string t;
    for (int i = 0; i < 4; ++i) t += fmt::format("{:016x}", rnd.next_u64());
    return t;
}

std::string url_of(const asio::ip::tcp::endpoint& ep) {
    return ep.address().is_v6() ? fmt::format("http://[{}]:{}", ep.address().to_string(), ep.port())
                                : fmt::format("http://{}:{}", ep.address().to_string(), ep.port());
}

void fill_ports(dev_ports& p, const std::vector<std::pair<std::string, unsigned>>& open) {
    for (const auto& [name, port] : open) {
        if (name == "smtp") p.smtp = port;
        else if (name == "submission") p.submission = port;
        else if (name == "submissions") p.submissions = port;
        else if (name == "pop3") p.pop3 = port;
        else if (name == "pop3s") p.pop3s = port;
        else if (name == "imap") p.imap = port;
        else if (name == "imaps") p.imaps = port;
    }
}

// Standard output carries the one JSON line and nothing else: what the
// server prints there ("listening ..." lines) goes to stderr with the logs.
int take_stdout() {
    std::fflush(stdout);
    const int json_fd = ::dup(STDOUT_FILENO);
    if (json_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        throw std::runtime_error(std::string("cannot redirect stdout: ") + std::strerror(errno));
    return json_fd;
}

void write_line(int fd, std::string line) {
    line += '\n';
    std::string_view rest = line;
    while (!rest.empty()) {
        const auto n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // nobody reads the ports: serve anyway
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
}

// SIGINT/SIGTERM: stop accepting, let sessions end after their command
// within shutdown_timeout, then stop the loop; a second signal: at once.
class dev_stop {
public:
    dev_stop(asio::io_context& io, server::listener_set& l, http::listener& h)
        : io_(io), listeners_(l), http_(h), t_(io) {}
    void begin(std::chrono::seconds limit) {
        if (stopping_) return io_.stop();
        stopping_ = true;
        end_ = std::chrono::steady_clock::now() + limit;
        listeners_.stop();
        http_.close();
        poll();
    }

private:
    void poll() {
        if (listeners_.connections() == 0 || std::chrono::steady_clock::now() >= end_) return io_.stop();
        t_.expires_after(50ms);
        t_.async_wait([this](boost::system::error_code ec) {
            if (!ec) poll();
        });
    }
    asio::io_context& io_;
    server::listener_set& listeners_;
    http::listener& http_;
    asio::steady_timer t_;
    std::chrono::steady_clock::time_point end_{};
    bool stopping_ = false;
};

}  // namespace

int run_dev(const dev_options& o) {
    const bool any = !o.users_file;
    users_file users_list;
    if (o.users_file) {
        auto text = read_file(*o.users_file, max_users_file_bytes);
        if (!text) return refuse(*o.users_file, {"cannot read the file"});
        users_list = parse_users_file(*text);
        if (!users_list.errors.empty()) return refuse(*o.users_file, users_list.errors);
    }
    fault_scenario scenario;
    if (o.faults_file) {
        auto text = read_file(*o.faults_file, max_scenario_bytes);
        if (!text) return refuse(*o.faults_file, {"cannot read the file"});
        scenario = parse_fault_scenario(*text);
        if (!scenario.errors.empty()) return refuse(*o.faults_file, scenario.errors);
    }
    config::settings cfg = config::embedded_defaults();
    if (o.config_file) {
        auto loaded = config::load_file(*o.config_file);
        if (!loaded.cfg) {
            for (const auto& d : loaded.errors) std::cerr << "mailroom dev: " << d.format() << "\n";
            return 2;
        }
        cfg = std::move(*loaded.cfg);
    }
    const bool temporary = !o.data_dir;
    data_dir_guard dir(temporary ? make_temp_dir() : *o.data_dir, temporary && !o.keep);
    if (auto why = apply_dev_options(cfg, o, dir.path(), any); !why.empty()) {
        std::cerr << "mailroom dev: " << why << "\n";
        return 2;
    }
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    std::signal(SIGPIPE, SIG_IGN);  // as serve: a peer gone while TLS writes

    server::prepare_data_dir(cfg);
    auto tls = server::load_tls(cfg);  // self-signed in DATA/tls at first start
    const auto db = server::open_directory(cfg);
    import_users(*db, users_list);
    catch_all_directory users(*db, !any);
    auto sasl = auth::sasl_context::create();
    if (!sasl) throw std::runtime_error("cannot initialise GNU SASL: " + sasl.error().message());
    system_clock clk;
    system_random rnd;
    storage::pop_before_smtp pbs(cfg.pop_before_smtp_window);
    server::login_guard logins(
        proto::penalty_limits{cfg.login_penalty.delay, cfg.login_penalty.max_delay, cfg.login_penalty.decay});
    metrics::registry metrics;
    // Nothing is relayed: the queue exists (the services need one) but no
    // outbound delivery reads it.
    auto queued = server::recover_queue(cfg);
    if (!queued.messages.empty())
        spdlog::warn("queue holds messages={}: not delivered (mailroom dev sends nothing out)", queued.messages.size());

    session_journal journal(journal_limits{}, o.show_passwords);
    fault_book faults(scenario.seed.value_or(0));
    for (auto& r : scenario.rules) faults.add(std::move(r));
    event_hub<captured_message> messages;
    dev_context ctx{journal, faults, messages, dir.path(), server::mail_root(cfg), {}, !any, {}, {}};
    const server::stored_hook on_stored = [&messages](const std::string& box, const std::filesystem::path& file,
                                                      std::uint32_t uid) {
        spdlog::info("captured mailbox={} uid={} file={}", box, uid, file.filename().string());
        messages.publish(captured_message{box, uid, file, 0});
    };
    any_login accept_any(rnd, cfg.hostname);

    asio::thread_pool pool(4);
    asio::thread_pool storage_pool(8);
    durable::group_commit mailbox_commits(durable::real_file_system());
    store::change_bus mailbox_events;
    auto watcher = store::inotify_watcher::start(mailbox_events);
    asio::io_context io(1);
    // Nothing leaves but what the API releases, to [delivery.smarthost] only.
    auto release = smarthost_release::create(io.get_executor(), cfg, storage_pool, rnd);
    if (release) ctx.release = [r = release.get()](release_request request) { return r->send(std::move(request)); };
    server::process_parts parts{users,
                                **sasl,
                                pbs,
                                pool,
                                storage_pool,
                                server::mail_root(cfg),
                                clk,
                                rnd,
                                server::make_dummy_hash(rnd),
                                *queued.spool,
                                mailbox_commits,
                                &mailbox_events,
                                &logins,
                                &metrics,
                                watcher ? watcher->get() : nullptr};
    parts.login_policy = any ? &accept_any : nullptr;
    parts.on_stored = &on_stored;
    net::tap_factory taps = make_session_taps(ctx);  // records every session, applies the faults
    parts.session_taps = &taps;
    const auto shutdown_timeout = cfg.shutdown_timeout;
    const auto http_at = asio::ip::tcp::endpoint(asio::ip::make_address(cfg.http.address), cfg.http.port);
    const auto http_limits = cfg.http.limits;
    const bool http_loopback = http_at.address().is_loopback();
    auto gen = std::make_shared<server::generation>(std::move(cfg), std::move(tls), parts, 1);

    const int json_fd = take_stdout();
    server::listener_set listeners(io);
    listeners.apply(gen);
    http::router routes;
    const std::vector<std::filesystem::path> dirs{ctx.data_dir / "queue", ctx.mail_root};
    http::add_ops_routes(routes, metrics,
                         [&listeners, &dirs] { return server::health_problems(listeners.closed(), dirs); });
    if (!http_loopback) ctx.token = random_token(rnd);  // the API asks for it (dev_context.hpp)
    add_dev_routes(routes, ctx);
    http::listener web(io.get_executor(), http_at, routes, http_limits,
                       [&metrics](unsigned status) { metrics.http_request(status); });
    web.start();
    ctx.ports.http = url_of(web.local_endpoint());
    fill_ports(ctx.ports, listeners.ports());
    spdlog::info("listening name=http address={}", ctx.ports.http);

    dev_stop stop(io, listeners, web);
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

    write_line(json_fd, ports_json_line(listeners.ports(), ctx.ports.http, ctx.data_dir, ctx.token));
    spdlog::info("ready data_dir={} logins={} release={} pid={}", ctx.data_dir.string(), any ? "any" : "strict",
                 release ? release->where() : "-", ::getpid());
    io.run();
    storage_pool.join();
    pool.join();
    spdlog::info("stopped{}", temporary && !o.keep ? ": removing the data directory" : "");
    return 0;
}

}  // namespace mailroom::sandbox
