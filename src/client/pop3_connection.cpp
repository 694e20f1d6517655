#include "client/pop3_connection.hpp"

#include <array>

#include "auth/password.hpp"
#include "auth/sasl_client.hpp"
#include "client/connect.hpp"
#include "common/errors.hpp"

namespace mailroom::client {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;

constexpr std::chrono::seconds shutdown_limit{5};

pop3_failure failure_of(p3::close_reason why) {
    switch (why) {
        case p3::close_reason::quit: return pop3_failure::none;
        case p3::close_reason::refused: return pop3_failure::refused;
        case p3::close_reason::tls_unavailable:
        case p3::close_reason::tls_failed: return pop3_failure::tls;
        case p3::close_reason::login_failed: return pop3_failure::login;
        case p3::close_reason::protocol_error: return pop3_failure::protocol;
        case p3::close_reason::connection_lost:
        case p3::close_reason::timeout: return pop3_failure::connection;
    }
    return pop3_failure::protocol;
}

p3::client_config engine_config(const pop3_options& o) {
    p3::client_config c;
    c.tls = o.tls;
    c.user = o.user;
    c.allowed = o.allowed;
    c.allow_plaintext = o.allow_plaintext;
    c.limits = o.limits;
    return c;
}

}  // namespace

pop3_connection::pop3_connection(pop3_options opt) : opt_(std::move(opt)), engine_(engine_config(opt_)) {}

pop3_connection::~pop3_connection() = default;

void pop3_connection::fail(pop3_failure f, std::string detail) {
    if (failure_ == pop3_failure::none) {
        failure_ = f;
        detail_ = std::move(detail);
    }
    closed_ = true;
}

asio::awaitable<bool> pop3_connection::open() {
    auto c = co_await connect_to(opt_.host, opt_.port, opt_.connect_timeout);
    if (!c.stream) {
        fail(pop3_failure::connection, c.error);
        co_return false;
    }
    stream_ = std::move(c.stream);
    peer_ = c.peer;
    if (opt_.trace) opt_.trace("*", "connected to " + peer_);
    if (opt_.tls == p3::tls_mode::implicit) {
        // RFC 8314 §3 (POP3S on 995): TLS before any POP3 byte.
        if (!co_await handshake()) {
            fail(pop3_failure::tls, "TLS handshake with " + peer_ + " failed" +
                                        (opt_.verify ? " (certificate not verified for " + opt_.host + "?)" : ""));
            co_await stream_->shutdown(shutdown_limit);
            co_return false;
        }
    }
    const bool ok = co_await pump([this] { return engine_.ready(); });
    if (!ok) co_await stream_->shutdown(shutdown_limit);
    co_return ok;
}

asio::awaitable<std::optional<pop3_reply>> pop3_connection::command(const p3::command& c, const body_handler& on_body) {
    if (closed_ || !stream_) co_return std::nullopt;
    const std::size_t index = next_index_++;
    done_.reset();
    on_body_ = &on_body;
    body_bytes_ = 0;
    engine_.add_command(c);
    const bool ok = co_await pump([this, index] { return done_ && done_->index == index; });
    on_body_ = nullptr;
    if (!ok) {
        if (stream_) co_await stream_->shutdown(shutdown_limit);
        co_return std::nullopt;
    }
    co_return pop3_reply{done_->ok, done_->text};
}

asio::awaitable<bool> pop3_connection::quit() {
    if (closed_ || !stream_) co_return false;
    engine_.no_more_commands();
    (void)co_await pump([] { return false; });
    co_await stream_->shutdown(shutdown_limit);
    co_return failure_ == pop3_failure::none;
}

asio::awaitable<void> pop3_connection::abort() {
    closed_ = true;
    if (stream_) co_await stream_->shutdown(shutdown_limit);
}

std::unique_ptr<net::byte_stream> pop3_connection::release_stream() {
    closed_ = true;
    return std::move(stream_);
}

// Carries out the engine's actions and feeds it the server's bytes until
// done() or the end of the session (false).
asio::awaitable<bool> pop3_connection::pump(const std::function<bool()>& done) {
    std::array<char, 4096> buf{};
    for (;;) {
        while (auto act = engine_.next_action()) {
            const bool go_on = co_await perform(*act);
            if (!go_on) co_return false;
        }
        if (closed_) co_return false;
        if (done()) co_return true;
        auto [status, n] = co_await stream_->read_some(asio::buffer(buf), opt_.reply_timeout);
        if (status == net::read_status::data) engine_.feed({buf.data(), n});
        else if (status == net::read_status::timeout) engine_.timed_out();
        else engine_.feed_eof();
    }
}

asio::awaitable<bool> pop3_connection::handshake() {
    if (!opt_.tls_context) co_return false;
    const bool ok = co_await stream_->start_tls_client(*opt_.tls_context, opt_.host, opt_.verify, opt_.reply_timeout);
    if (ok) {
        tls_ = stream_->tls_description() + (opt_.verify ? " verified=yes" : " verified=no");
        if (opt_.trace) opt_.trace("*", "TLS " + tls_);
    } else if (opt_.trace) {
        opt_.trace("*", opt_.verify ? "TLS handshake failed (certificate verification on)" : "TLS handshake failed");
    }
    co_return ok;
}

asio::awaitable<bool> pop3_connection::perform(p3::action& act) {
    if (auto* send = std::get_if<p3::send_bytes>(&act)) {
        if (opt_.trace) opt_.trace("C", send->trace);
        if (!co_await stream_->write_all(send->bytes, opt_.reply_timeout)) engine_.feed_eof();
        co_return true;
    }
    if (auto* line = std::get_if<p3::server_line>(&act)) {
        if (greeting_.empty()) greeting_ = line->text;
        if (opt_.trace) {
            if (line->text == "." && body_bytes_ > 0) opt_.trace("*", std::to_string(body_bytes_) + " bytes of body");
            opt_.trace("S", line->text);
        }
        co_return true;
    }
    if (auto* body = std::get_if<p3::body_data>(&act)) {
        body_bytes_ += body->bytes.size();
        if (on_body_ && *on_body_ && !(*on_body_)(body->bytes)) {
            fail(pop3_failure::local, "the message could not be stored; connection dropped without QUIT");
            co_return false;
        }
        co_return true;
    }
    if (auto* done = std::get_if<p3::command_done>(&act)) {
        done_ = std::move(*done);
        co_return true;
    }
    if (std::holds_alternative<p3::start_tls>(act)) {
        if (co_await handshake()) engine_.tls_started();
        else
            engine_.tls_failed(opt_.verify ? "certificate not verified for " + opt_.host + ", or handshake error"
                                           : "handshake error");
        co_return true;
    }
    if (std::holds_alternative<p3::need_password>(act)) {
        engine_.password(opt_.password);
        co_return true;
    }
    if (auto* apop = std::get_if<p3::need_apop_digest>(&act)) {
        engine_.apop_digest(auth::apop_digest(apop->timestamp, opt_.password));
        co_return true;
    }
    if (auto* start = std::get_if<p3::sasl_start>(&act)) {
        sasl_start(start->mechanism);
        co_return true;
    }
    if (auto* step = std::get_if<p3::sasl_step>(&act)) {
        auto r = sasl_ ? sasl_->step(step->challenge_b64) : result<secret>(make_error_code(errc::auth_failed));
        if (r) engine_.sasl_response(std::move(*r));
        else engine_.sasl_cancel();
        co_return true;
    }
    if (auto* in = std::get_if<p3::logged_in>(&act)) {
        // A SCRAM server must prove it knows our keys (RFC 5802 §5.1 "v=")
        // before its +OK is believed.
        if (sasl_ && !sasl_->complete()) {
            fail(pop3_failure::login,
                 "the server accepted AUTH " + in->method + " without proving it knows the credentials");
            co_return false;
        }
        method_ = in->method;
        if (opt_.trace) opt_.trace("*", "logged in with " + method_);
        co_return true;
    }
    if (auto* close = std::get_if<p3::close_connection>(&act)) {
        if (close->why == p3::close_reason::quit) closed_ = true;
        else fail(failure_of(close->why), close->detail);
        co_return false;
    }
    co_return true;
}

void pop3_connection::sasl_start(const std::string& mechanism) {
    if (!sasl_ctx_) {
        auto c = auth::sasl_client_context::create();
        if (c) sasl_ctx_ = std::move(*c);
    }
    if (!sasl_ctx_) return engine_.sasl_cancel();
    auto ex = sasl_ctx_->begin(mechanism, opt_.user, opt_.password);
    if (!ex) return engine_.sasl_cancel();
    sasl_ = std::move(*ex);
    auto ir = sasl_->initial();
    if (!ir) engine_.sasl_cancel();
    else engine_.sasl_initial(std::move(*ir));
}

}  // namespace mailroom::client
