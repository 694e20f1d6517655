#include "proxy/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <list>
#include <memory>
#include <stdexcept>

#include "auth/password.hpp"
#include "net/byte_stream.hpp"
#include "net/connection_limits.hpp"
#include "proxy/pop3_relay.hpp"
#include "proxy/runtime.hpp"
#include "proxy/smtp_relay.hpp"

namespace mailroom::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr unsigned pool_threads = 2;  // SASL checks and message pieces: short, blocking

// One entry at run time: its settings, limits and what its connections
// share. Each session holds it, so it outlives the set when io is torn
// down after it (the frames of cut sessions go with the io_context).
struct running_entry {
    running_entry(const config::proxy_entry& e, asio::thread_pool& pool, std::filesystem::path temp, bool trace)
        : entry(e), tls(make_upstream_tls(entry)), rt{entry, *tls, pool, nullptr, {}, {}, std::move(temp), trace},
          limits(entry.max_connections, entry.max_connections_per_ip) {}

    config::proxy_entry entry;
    std::unique_ptr<asio::ssl::context> tls;
    runtime rt;
    net::connection_limits limits;
};
using entry_ptr = std::shared_ptr<running_entry>;

std::atomic<std::uint64_t> next_session{1};

std::string session_id(config::proxy_protocol p) {
    return fmt::format("{}{:x}", p == config::proxy_protocol::pop3 ? 'Q' : 'R', next_session.fetch_add(1));
}

std::string_view refusal(config::proxy_protocol p) {
    return p == config::proxy_protocol::pop3 ? "-ERR [SYS/TEMP] Too many connections, try again later.\r\n"
                                             : "421 4.7.0 Too many connections, try again later\r\n";
}

asio::awaitable<void> handle(tcp::socket socket, entry_ptr held) {
    running_entry& r = *held;
    net::byte_stream peer(std::move(socket));
    const std::string id = session_id(r.entry.protocol);
    auto slot = r.limits.try_acquire(peer.peer_address());
    if (!slot) {
        spdlog::warn("{} proxy={} refused ip={} reason=connection_limit", id, r.entry.name, peer.peer_address());
        co_await peer.write_all(refusal(r.entry.protocol), 5s);
        co_await peer.shutdown(1s);
        co_return;
    }
    if (r.entry.protocol == config::proxy_protocol::smtp) co_await serve_smtp_relay(peer, r.rt, id);
    else co_await serve_pop3_relay(peer, r.rt, id);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, entry_ptr held) {
    running_entry& r = *held;
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {  // EMFILE and friends: back off instead of spinning
            spdlog::error("proxy={} accept failed error=\"{}\"", r.entry.name, ec.message());
            asio::steady_timer t(ex, 100ms);
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        asio::co_spawn(ex, handle(std::move(socket), held), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& err) {
                spdlog::error("proxy connection aborted error=\"{}\"", err.what());
            }
        });
    }
}

tcp::acceptor listen_on(asio::io_context& io, const config::proxy_entry& e) {
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(e.listen_address, ec);
    if (ec) throw std::runtime_error("proxy " + e.name + ": bad listen address " + e.listen_address);
    const tcp::endpoint ep(addr, e.listen_port);
    tcp::acceptor acc(io);
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && addr.is_v6()) acc.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error(fmt::format("proxy {}: cannot listen on {} port {}: {}", e.name, e.listen_address,
                                             e.listen_port, ec.message()));
    return acc;
}

std::string_view tls_word(config::upstream_tls t) {
    switch (t) {
        case config::upstream_tls::none: return "none";
        case config::upstream_tls::starttls: return "starttls";
        case config::upstream_tls::implicit: return "implicit";
    }
    return "?";
}

// The device's login (SMTP): credentials made once from the local password,
// with the legacy secret so CRAM-MD5 works too.
void prepare_local_login(running_entry& r, auth::sasl_context* sasl) {
    const auto& e = r.entry;
    if (e.protocol != config::proxy_protocol::smtp || e.local_user.empty()) return;
    if (!sasl) throw std::runtime_error("proxy " + e.name + ": GNU SASL is not available for the local login");
    auto cred = auth::make_credentials(e.local_password, true);
    if (!cred)
        throw std::runtime_error("proxy " + e.name + ": cannot prepare the local login: " + cred.error().message());
    r.rt.sasl = sasl;
    r.rt.local_credentials = std::move(*cred);
    for (const auto& m : sasl->supported())
        if (m == "PLAIN" || m == "LOGIN" || m == "CRAM-MD5" || m == "SCRAM-SHA-1" || m == "SCRAM-SHA-256")
            r.rt.local_mechanisms.push_back(m);
}

}  // namespace

struct proxy_set::impl {
    asio::thread_pool pool{pool_threads};
    std::list<entry_ptr> entries;
    std::list<tcp::acceptor> acceptors;
    std::vector<bound> listening;
};

proxy_set::proxy_set(asio::io_context& io, const std::vector<config::proxy_entry>& entries, const run_options& opt,
                     auth::sasl_context* sasl)
    : impl_(std::make_unique<impl>()) {
    if (entries.empty()) throw std::runtime_error("no proxy to run");
    for (const auto& e : entries) {
        const auto problems = config::proxy_entry_problems(e);
        if (!problems.empty()) throw std::runtime_error("proxy " + e.name + ": " + problems.front());
    }
    std::filesystem::path temp = opt.temp_dir;
    if (temp.empty()) {
        const char* t = std::getenv("TMPDIR");
        temp = t && *t ? t : "/tmp";
    }
    // Everything opened first: a failure leaves nothing listening.
    for (const auto& e : entries) {
        auto r = std::make_shared<running_entry>(e, impl_->pool, temp, opt.trace);
        prepare_local_login(*r, sasl);
        impl_->acceptors.push_back(listen_on(io, r->entry));
        impl_->entries.push_back(std::move(r));
    }
    auto acc = impl_->acceptors.begin();
    for (auto& r : impl_->entries) {
        impl_->listening.push_back(bound{&r->entry, acc->local_endpoint()});
        asio::co_spawn(io, accept_loop(*acc, r), [](std::exception_ptr) {});
        ++acc;
    }
}

proxy_set::~proxy_set() {
    stop();
    impl_->pool.join();
}

const std::vector<proxy_set::bound>& proxy_set::listening() const noexcept { return impl_->listening; }

void proxy_set::stop() {
    boost::system::error_code ignored;
    for (auto& a : impl_->acceptors) a.close(ignored);
}

unsigned proxy_set::sessions() const noexcept {
    unsigned n = 0;
    for (const auto& r : impl_->entries) n += r->limits.active();
    return n;
}

std::string listening_line(const proxy_set::bound& b) {
    const auto& e = *b.entry;
    return fmt::format("proxy {} ({}) listening on {} port {} upstream={}:{} upstream_tls={}{}", e.name,
                       config::protocol_name(e.protocol), b.endpoint.address().to_string(), b.endpoint.port(),
                       e.upstream_host, e.upstream_port, tls_word(e.tls), e.verify_certificate ? "" : " verify=no");
}

void run_proxies(const std::vector<config::proxy_entry>& entries, const run_options& opt) {
    // A TLS peer closing while we write must not kill the process
    // (OpenSSL writes on the socket itself).
    std::signal(SIGPIPE, SIG_IGN);
    // Before io: the frames of cut sessions (destroyed with io) may hold SASL sessions.
    std::unique_ptr<auth::sasl_context> sasl;
    if (auto s = auth::sasl_context::create()) sasl = std::move(*s);
    asio::io_context io(1);
    proxy_set proxies(io, entries, opt, sasl.get());
    for (const auto& b : proxies.listening()) {
        const auto line = listening_line(b);
        std::cout << line << std::endl;
        spdlog::info("{}", line);
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("proxy stopping signal={}", sig);
        proxies.stop();
        io.stop();  // sessions end with the process: an unanswered device retries
    });
    io.run();
}

}  // namespace mailroom::proxy
