// server::connection_driver: runs any sans-I/O server engine over one
// connection and performs the actions every engine shares (proto/common/
// actions.hpp) - send with a write deadline, STARTTLS/STLS upgrade, SASL on
// the worker pool, failed-login pause, close with its reason - then logs the
// one "disconnect" line and shuts the stream down. Every login attempt first
// waits out its address's penalty, and every failed one is counted there
// (login_guard). A protocol plugs in only its own actions. Used by
// pop3_connection and smtp_connection (and IMAP next).
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "auth/sasl_server.hpp"
#include "metrics/registry.hpp"
#include "net/byte_stream.hpp"
#include "net/run_engine.hpp"
#include "proto/common/actions.hpp"
#include "server/connection_steps.hpp"
#include "server/login_check.hpp"
#include "server/sasl_runner.hpp"

namespace mailroom::server {

// What the shared actions need, and nothing more.
struct session_io {
    net::byte_stream& peer;
    const std::string& id;           // the session id that opens every log line
    boost::asio::ssl::context& tls;  // for STARTTLS / STLS
    sasl_runner& sasl;               // this connection's SASL exchange
    login_guard* logins = nullptr;   // failed logins per address (nullptr: none kept)
};

// A request to verify a login: SASL, or a protocol's own action carrying
// credentials (POP3 USER/PASS and APOP, IMAP LOGIN).
template <class A>
inline constexpr bool is_login_request = std::is_same_v<A, proto::sasl_begin> || requires(const A& a) {
    a.cred;
}
|| requires(const A& a) { a.password; };

// sasl_step -> the engines' login status.
inline proto::login_status status_of(const auth::sasl_step& step) noexcept {
    using o = auth::sasl_step::outcome;
    return step.what == o::success             ? proto::login_status::ok
           : step.what == o::temporary_failure ? proto::login_status::temporary_failure
                                               : proto::login_status::bad_credentials;
}

// The engines' login status as /metrics counts it.
inline metrics::login_result login_result_of(proto::login_status s) noexcept {
    return s == proto::login_status::ok                ? metrics::login_result::success
           : s == proto::login_status::bad_credentials ? metrics::login_result::failure
                                                       : metrics::login_result::temporary_failure;
}

// The level of a protocol's own login line: a failure is told at warning
// level by login_guard's one stable line (docs/fail2ban.md); the
// protocol's line with the user name tried is for debug logs only.
inline spdlog::level::level_enum level_of(proto::login_status status) noexcept {
    return status == proto::login_status::bad_credentials ? spdlog::level::debug : spdlog::level::info;
}

// Engine: a server engine (next_action, feed, feed_eof, timed_out,
// current_state, tls_started, sasl_challenge, sasl_done(status, user, final),
// idle_timeout, summary().auth_failures). Protocol: for each of the
// engine's own actions A, `awaitable<bool> on(A&)` (false ends the
// connection); `log_auth(status, user, mechanism)` for the login log line;
// `summary()` for the protocol's fields of the disconnect line.
template <class Engine, class Protocol>
class connection_driver {
public:
    connection_driver(session_io io, Engine& engine, Protocol& protocol)
        : io_(io), engine_(engine), protocol_(protocol) {}

    // Runs the session to its end; the read deadline (and each write's)
    // is the engine's own idle limit (RFC 1939 §3, RFC 5321 §4.5.3.2.7).
    boost::asio::awaitable<void> run() {
        co_await net::run_engine(io_.peer, engine_, *this, engine_.idle_timeout());
        count_failures();
        spdlog::info("{} disconnect reason={} {}", io_.id, reason_, protocol_.summary());
        co_await io_.peer.shutdown(std::chrono::seconds(5));
    }

    // Called by net::run_engine for each action. Failures are counted as
    // the engine reports them, at the next action (or the end): after an
    // answer, or after a line the engine judged itself. Only a login
    // request from a penalised address takes the slower coroutine path.
    template <class Action>
    boost::asio::awaitable<bool> operator()(Action& act) {
        count_failures();
        const bool login = std::visit([](auto& a) { return is_login_request<std::decay_t<decltype(a)>>; }, act);
        if (login && io_.logins) {
            const auto penalty = io_.logins->delay_for(io_.peer.peer_address());
            if (penalty.count() > 0) return after_penalty(act, penalty);
        }
        return std::visit([this](auto& a) { return on(a); }, act);
    }

    const std::string& close_reason() const noexcept { return reason_; }

private:
    using awaitable_bool = boost::asio::awaitable<bool>;

    awaitable_bool on(proto::send_reply& a) { co_return co_await io_.peer.write_all(a.bytes, engine_.idle_timeout()); }

    awaitable_bool on(proto::start_tls&) {
        const bool upgraded = co_await upgrade_to_tls(io_.peer, io_.tls, io_.id);  // not in the if: g++ 12
        if (!upgraded) {
            reason_ = proto::reason_name(proto::close_reason::tls_failed);
            co_return false;
        }
        engine_.tls_started();
        co_return true;
    }

    awaitable_bool on(proto::sasl_begin& a) {
        auto step = co_await io_.sasl.begin(a.mechanism, a.initial_response_b64);  // own statement: g++ 12
        deliver(std::move(step));
        co_return true;
    }

    awaitable_bool on(proto::sasl_continue& a) {
        auto step = co_await io_.sasl.step(a.response_b64);
        deliver(std::move(step));
        co_return true;
    }

    awaitable_bool on(proto::sasl_abort&) {
        io_.sasl.abort();
        co_return true;
    }

    awaitable_bool on(proto::pause& a) {
        co_await wait_for(a.delay);
        co_return true;
    }

    awaitable_bool on(proto::close_connection& a) {
        reason_ = proto::reason_name(a.why);
        co_return false;
    }

    // The protocol's own actions.
    template <class A>
    awaitable_bool on(A& a) {
        return protocol_.on(a);
    }

    void deliver(auth::sasl_step step) {
        if (step.what == auth::sasl_step::outcome::challenge) return engine_.sasl_challenge(std::move(step.data_b64));
        const auto status = status_of(step);
        protocol_.log_auth(status, step.user, io_.sasl.mechanism());
        std::optional<std::string> final_data;  // RFC 5034 §4 / RFC 4954 §4: success with data
        if (status == proto::login_status::ok && !step.data_b64.empty()) final_data = std::move(step.data_b64);
        engine_.sasl_done(status, std::move(step.user), std::move(final_data));
    }

    template <class Action>
    awaitable_bool after_penalty(Action& act, std::chrono::milliseconds penalty) {
        co_await wait_for(penalty);
        co_return co_await std::visit([this](auto& a) { return on(a); }, act);
    }

    // Also notices a login that succeeded (the engine now names its user):
    // the address's penalty is forgotten.
    void count_failures() {
        const auto& s = engine_.summary();
        const unsigned now = s.auth_failures;
        if (now > failures_seen_ && io_.logins)
            io_.logins->failed(io_.id, io_.peer.peer_address(), now - failures_seen_);
        failures_seen_ = now;
        const bool in = !logged_in_user(s).empty();
        if (in && !logged_in_ && io_.logins) io_.logins->succeeded(io_.peer.peer_address());
        logged_in_ = in;
    }

    template <class Summary>
    static const std::string& logged_in_user(const Summary& s) {
        if constexpr (requires { s.auth_user; }) return s.auth_user;  // SMTP
        else return s.user;                                           // POP3, IMAP
    }

    session_io io_;
    Engine& engine_;
    Protocol& protocol_;
    unsigned failures_seen_ = 0;
    bool logged_in_ = false;
    std::string reason_ = "write_failed";  // a failed write ends the loop without a close action
};

}  // namespace mailroom::server
