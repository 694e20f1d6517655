#include "client/imap_connection.hpp"

#include <array>

#include "auth/sasl_client.hpp"
#include "client/connect.hpp"
#include "common/errors.hpp"

namespace mailroom::client {
namespace {

namespace asio = boost::asio;
namespace ic = imap::client;

constexpr std::chrono::seconds shutdown_limit{5};
constexpr std::size_t literal_piece_bytes = 64 * 1024;

imap_failure failure_of(ic::close_reason why) {
    switch (why) {
        case ic::close_reason::quit: return imap_failure::none;
        case ic::close_reason::refused: return imap_failure::refused;
        case ic::close_reason::no_tls:
        case ic::close_reason::tls_failed: return imap_failure::tls;
        case ic::close_reason::login_failed: return imap_failure::login;
        case ic::close_reason::protocol_error: return imap_failure::protocol;
        case ic::close_reason::connection_lost:
        case ic::close_reason::timeout: return imap_failure::connection;
    }
    return imap_failure::protocol;
}

ic::client_config engine_config(const imap_options& o) {
    ic::client_config c;
    c.tls = o.tls;
    c.user = o.user;
    c.allowed = o.allowed;
    c.allow_plaintext = o.allow_plaintext;
    c.limits = o.limits;
    return c;
}

}  // namespace

imap_connection::imap_connection(imap_options opt) : opt_(std::move(opt)), engine_(engine_config(opt_)) {}

imap_connection::~imap_connection() = default;

void imap_connection::fail(imap_failure f, std::string detail) {
    if (failure_ == imap_failure::none) {
        failure_ = f;
        detail_ = std::move(detail);
    }
    closed_ = true;
}

asio::awaitable<bool> imap_connection::open() {
    auto c = co_await connect_to(opt_.host, opt_.port, opt_.connect_timeout);
    if (!c.stream) {
        fail(imap_failure::connection, c.error);
        co_return false;
    }
    stream_ = std::move(c.stream);
    peer_ = c.peer;
    if (opt_.trace) opt_.trace("*", "connected to " + peer_);
    if (opt_.tls == ic::tls_mode::implicit && !co_await handshake()) {
        // RFC 8314 §3 (IMAPS on 993): TLS before any IMAP byte.
        fail(imap_failure::tls, "TLS handshake with " + peer_ + " failed" +
                                    (opt_.verify ? " (certificate not verified for " + opt_.host + "?)" : ""));
        co_await stream_->shutdown(shutdown_limit);
        co_return false;
    }
    const bool ok = co_await pump(until::ready);
    if (!ok) co_await stream_->shutdown(shutdown_limit);
    co_return ok;
}

asio::awaitable<std::optional<ic::command_done>> imap_connection::command(const ic::command& c,
                                                                          const imap_handlers& h) {
    if (closed_ || !stream_) co_return std::nullopt;
    awaited_index_ = next_index_++;
    done_.reset();
    handlers_ = &h;
    body_bytes_ = 0;
    engine_.add_command(c);
    const bool ok = co_await pump(until::command_done);
    handlers_ = nullptr;
    if (!ok) {
        if (stream_) co_await stream_->shutdown(shutdown_limit);
        co_return std::nullopt;
    }
    co_return std::move(done_);
}

asio::awaitable<bool> imap_connection::logout() {
    if (closed_ || !stream_) co_return false;
    engine_.no_more_commands();
    (void)co_await pump(until::closed);
    co_await stream_->shutdown(shutdown_limit);
    co_return failure_ == imap_failure::none;
}

asio::awaitable<void> imap_connection::abort() {
    closed_ = true;
    if (stream_) co_await stream_->shutdown(shutdown_limit);
}

// Carries out the engine's actions and feeds it the server's bytes until
// `goal` or the end of the session (false). (An enum, not a predicate:
// g++ 12 mishandles a temporary std::function inside a co_await expression.)
asio::awaitable<bool> imap_connection::pump(until goal) {
    std::array<char, 16384> buf{};
    for (;;) {
        while (auto act = engine_.next_action()) {
            const bool go_on = co_await perform(*act);
            if (!go_on) co_return false;
        }
        if (closed_) co_return false;
        if (goal == until::ready && engine_.ready()) co_return true;
        if (goal == until::command_done && done_ && done_->index == awaited_index_) co_return true;
        auto [status, n] = co_await stream_->read_some(asio::buffer(buf), opt_.reply_timeout);
        if (status == net::read_status::data) engine_.feed({buf.data(), n});
        else if (status == net::read_status::timeout) engine_.timed_out();
        else engine_.feed_eof();
    }
}

asio::awaitable<bool> imap_connection::handshake() {
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

bool imap_connection::handle(bool ok, const char* what) {
    if (!ok) fail(imap_failure::local, std::string(what) + "; connection dropped without LOGOUT");
    return ok;
}

// The driver literal of APPEND: exactly `size` bytes from read_literal.
asio::awaitable<bool> imap_connection::write_literal(std::uint64_t size) {
    if (!handlers_ || !handlers_->read_literal) {
        fail(imap_failure::local, "a literal to send but no source for it");
        co_return false;
    }
    std::vector<char> buf(literal_piece_bytes);
    std::uint64_t left = size;
    while (left > 0) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
        const std::size_t got = handlers_->read_literal(buf.data(), want);
        if (got == 0 || got > want) {
            fail(imap_failure::local, "the message to send ended early; connection dropped without LOGOUT");
            co_return false;
        }
        if (!co_await stream_->write_all(std::string_view(buf.data(), got), opt_.reply_timeout)) {
            engine_.feed_eof();
            co_return true;
        }
        left -= got;
    }
    if (opt_.trace) opt_.trace("*", std::to_string(size) + " bytes of literal sent");
    engine_.literal_sent();
    co_return true;
}

asio::awaitable<bool> imap_connection::perform(ic::action& act) {
    if (auto* send = std::get_if<ic::send_bytes>(&act)) {
        if (opt_.trace && !send->trace.empty()) opt_.trace("C", send->trace);
        if (!co_await stream_->write_all(send->bytes, opt_.reply_timeout)) engine_.feed_eof();
        co_return true;
    }
    if (auto* lit = std::get_if<ic::send_literal>(&act)) co_return co_await write_literal(lit->size);
    if (auto* line = std::get_if<ic::server_line>(&act)) {
        if (opt_.trace) opt_.trace("S", line->text);
        co_return true;
    }
    if (auto* u = std::get_if<ic::untagged>(&act))
        co_return !handlers_ || !handlers_->on_untagged || handle(handlers_->on_untagged(u->r), "stopped");
    if (auto* b = std::get_if<ic::body_begin>(&act)) {
        body_bytes_ = 0;
        co_return !handlers_ || !handlers_->on_body_begin ||
            handle(handlers_->on_body_begin(b->size, b->item), "the message could not be stored");
    }
    if (auto* d = std::get_if<ic::body_data>(&act)) {
        body_bytes_ += d->bytes.size();
        co_return !handlers_ || !handlers_->on_body_data ||
            handle(handlers_->on_body_data(d->bytes), "the message could not be stored");
    }
    if (std::holds_alternative<ic::body_end>(act)) {
        if (opt_.trace) opt_.trace("*", std::to_string(body_bytes_) + " bytes of message");
        co_return !handlers_ || !handlers_->on_body_end ||
            handle(handlers_->on_body_end(), "the message could not be stored");
    }
    if (auto* done = std::get_if<ic::command_done>(&act)) {
        done_ = std::move(*done);
        co_return true;
    }
    if (std::holds_alternative<ic::start_tls>(act)) {
        if (co_await handshake()) engine_.tls_started();
        else
            engine_.tls_failed(opt_.verify ? "certificate not verified for " + opt_.host + ", or handshake error"
                                           : "handshake error");
        co_return true;
    }
    if (std::holds_alternative<ic::need_password>(act)) {
        engine_.password(opt_.password);
        co_return true;
    }
    if (auto* start = std::get_if<ic::sasl_start>(&act)) {
        sasl_start(start->mechanism);
        co_return true;
    }
    if (auto* step = std::get_if<ic::sasl_step>(&act)) {
        auto r = sasl_ ? sasl_->step(step->challenge_b64) : result<secret>(make_error_code(errc::auth_failed));
        if (r) engine_.sasl_response(std::move(*r));
        else engine_.sasl_cancel();
        co_return true;
    }
    if (auto* in = std::get_if<ic::logged_in>(&act)) {
        // A SCRAM server must prove it knows our keys (RFC 5802 §5.1 "v=")
        // before its OK is believed.
        if (sasl_ && !sasl_->complete()) {
            fail(imap_failure::login,
                 "the server accepted AUTHENTICATE " + in->method + " without proving it knows the credentials");
            co_return false;
        }
        method_ = in->method;
        if (opt_.trace) opt_.trace("*", "logged in with " + method_);
        co_return true;
    }
    if (auto* close = std::get_if<ic::close_connection>(&act)) {
        if (close->why == ic::close_reason::quit) closed_ = true;
        else fail(failure_of(close->why), close->detail);
        co_return false;
    }
    co_return true;
}

void imap_connection::sasl_start(const std::string& mechanism) {
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
