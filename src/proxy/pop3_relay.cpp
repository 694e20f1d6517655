#include "proxy/pop3_relay.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <iostream>
#include <memory>
#include <variant>

#include "client/pop3_connection.hpp"
#include "common/log_field.hpp"
#include "net/run_engine.hpp"
#include "proto/common/peer_text.hpp"
#include "proto/pop3/proxy_front.hpp"
#include "proxy/counting_engine.hpp"

namespace mailroom::proxy {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

constexpr std::size_t relay_piece_bytes = 16 * 1024;  // one read, on the stack for that read only
constexpr std::chrono::seconds shutdown_limit{5};

p3::tls_mode tls_of(config::upstream_tls t) {
    switch (t) {
        case config::upstream_tls::none: return p3::tls_mode::none;
        case config::upstream_tls::starttls: return p3::tls_mode::starttls;
        case config::upstream_tls::implicit: return p3::tls_mode::implicit;
    }
    return p3::tls_mode::starttls;
}

// Strongest first; `auto` never includes a method that would send the
// password without TLS (the engine refuses those anyway).
std::vector<p3::auth_method> methods_of(const config::proxy_entry& e) {
    using m = p3::auth_method;
    if (e.auth != "auto") {
        if (auto one = p3::parse_method(e.auth)) return {*one};
        return {};
    }
    std::vector<m> out{m::scram_sha_256, m::scram_sha_1, m::cram_md5, m::apop};
    if (e.tls != config::upstream_tls::none) out.insert(out.end(), {m::plain, m::login, m::user});
    return out;
}

class pop3_relay {
public:
    pop3_relay(net::byte_stream& program, const runtime& rt, const std::string& id)
        : program_(program), rt_(rt), id_(id), counted_(front_) {}

    asio::awaitable<void> run() {
        co_await net::run_engine(program_, counted_, *this, rt_.entry.idle_timeout);
        if (upstream_) co_await relay();
        spdlog::info(
            "{} proxy={} session from={} user={} upstream={} tls=\"{}\" auth={} bytes_in={} bytes_out={} "
            "login_failures={} result={}",
            id_, rt_.entry.name, program_.peer_address(), front_.user().empty() ? "-" : log_field(front_.user()),
            peer_.empty() ? fmt::format("{}:{}", rt_.entry.upstream_host, rt_.entry.upstream_port) : peer_,
            tls_.empty() ? "-" : tls_, method_.empty() ? "-" : method_, counted_.bytes_in() + relayed_in_, bytes_out_,
            front_.login_failures(), result_);
        if (upstream_) co_await upstream_->shutdown(shutdown_limit);
        co_await program_.shutdown(shutdown_limit);
    }

    asio::awaitable<bool> operator()(pop3::front_action& act) {
        return std::visit([this](auto& a) { return on(a); }, act);
    }

private:
    client::pop3_options options(std::string user, secret password) const {
        const auto& e = rt_.entry;
        client::pop3_options o;
        o.host = e.upstream_host;
        o.port = e.upstream_port;
        o.tls = tls_of(e.tls);
        // The context outlives every connection (runtime): no ownership here.
        o.tls_context = std::shared_ptr<asio::ssl::context>(std::shared_ptr<void>(), &rt_.upstream_tls);
        o.verify = e.verify_certificate;
        o.user = std::move(user);
        o.password = std::move(password);
        o.allowed = methods_of(e);
        o.allow_plaintext = false;
        o.connect_timeout = e.upstream_timeout;
        o.reply_timeout = e.upstream_timeout;
        if (rt_.trace)
            o.trace = [id = id_](std::string_view dir, std::string_view line) {
                std::cerr << id << " " << dir << ": " << proto::peer_text(line) << "\n";
            };
        return o;
    }

    asio::awaitable<bool> on(pop3::front_send& a) {
        bytes_out_ += a.bytes.size();
        co_return co_await program_.write_all(a.bytes, rt_.entry.idle_timeout);
    }

    asio::awaitable<bool> on(pop3::front_close& a) {
        result_ = pop3::front_reason_name(a.why);
        co_return false;
    }

    // CAPA before login: the upstream's list, learnt without logging in.
    asio::awaitable<bool> on(pop3::front_need_capabilities&) {
        if (capabilities_.empty()) {
            client::pop3_connection probe(options({}, {}));
            if (co_await probe.open()) {
                capabilities_ = probe.capabilities();
                co_await probe.quit();
            } else {
                spdlog::info("{} proxy={} upstream capabilities unknown error=\"{}\"", id_, rt_.entry.name,
                             log_field(probe.detail()));
            }
        }
        front_.capa_ready(capabilities_);
        co_return true;
    }

    asio::awaitable<bool> on(pop3::front_login& a) {
        client::pop3_connection up(options(a.user, std::move(a.password)));
        const bool ok = co_await up.open();
        peer_ = up.peer();
        tls_ = up.tls();
        if (!ok) {
            const bool temporary = up.failure() != client::pop3_failure::login;
            spdlog::info("{} proxy={} upstream login failed user={} upstream={} error=\"{}\"", id_, rt_.entry.name,
                         log_field(a.user), peer_.empty() ? rt_.entry.upstream_host : peer_, log_field(up.detail()));
            front_.login_done(false, temporary, up.detail());
            co_return true;
        }
        method_ = up.method();
        capabilities_ = up.capabilities();
        upstream_ = up.release_stream();
        front_.login_done(true, false, "");
        co_return true;
    }

    asio::awaitable<bool> on(pop3::front_relay& a) {
        pending_ = std::move(a.pending);
        result_ = "relayed";
        co_return false;  // run_engine ends; run() relays
    }

    // Bytes both ways until one side closes or both are silent for the idle
    // limit. One coroutine, so no stream ever has a read and a write under
    // way at once: what is there is moved without waiting, and only when
    // neither side has anything does it wait for either to be readable.
    asio::awaitable<void> relay() {
        const auto idle = milliseconds(rt_.entry.idle_timeout);
        if (!pending_.empty()) {
            relayed_in_ += pending_.size();
            if (!co_await upstream_->write_all(pending_, idle)) co_return finish("upstream_write_failed");
            pending_.clear();
        }
        for (;;) {
            const auto a = co_await move_available(program_, *upstream_, relayed_in_);
            if (a == moved::closed) co_return finish("program_closed");
            const auto b = co_await move_available(*upstream_, program_, bytes_out_);
            if (b == moved::closed) co_return finish("upstream_closed");
            if (a == moved::some || b == moved::some) continue;
            auto which = co_await (program_.wait_readable(idle) || upstream_->wait_readable(idle));
            const auto status = std::visit([](auto s) { return s; }, which);
            if (status == net::read_status::timeout) co_return finish("timeout");
        }
    }

    enum class moved { nothing, some, closed };

    static asio::awaitable<moved> move_available(net::byte_stream& from, net::byte_stream& to, std::uint64_t& count) {
        std::array<char, relay_piece_bytes> buf;
        const auto [status, n] = from.read_now(asio::buffer(buf));
        if (status == net::read_status::would_block) co_return moved::nothing;
        if (status != net::read_status::data) co_return moved::closed;
        count += n;
        const bool ok = co_await to.write_all(std::string_view(buf.data(), n), std::chrono::minutes(10));
        co_return ok ? moved::some : moved::closed;
    }

    void finish(const char* why) { result_ = why; }

    net::byte_stream& program_;
    const runtime& rt_;
    const std::string& id_;
    pop3::proxy_front front_;
    counting_engine<pop3::proxy_front> counted_;
    std::unique_ptr<net::byte_stream> upstream_;
    std::vector<std::string> capabilities_;
    std::string pending_;
    std::string peer_, tls_, method_;
    std::string result_ = "write_failed";
    std::uint64_t bytes_out_ = 0;   // to the program
    std::uint64_t relayed_in_ = 0;  // from the program after login
};

}  // namespace

asio::awaitable<void> serve_pop3_relay(net::byte_stream& program, const runtime& rt, const std::string& id) {
    pop3_relay relay(program, rt, id);
    co_await relay.run();
}

}  // namespace mailroom::proxy
