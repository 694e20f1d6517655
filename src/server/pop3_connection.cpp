#include "server/pop3_connection.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <variant>

#include "common/errors.hpp"
#include "net/offload.hpp"
#include "net/run_engine.hpp"
#include "proto/pop3/server_session.hpp"
#include "server/connection_steps.hpp"
#include "server/login_check.hpp"
#include "server/pop3_maildrop.hpp"
#include "server/sasl_runner.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

pop3::listener_policy policy_for(const config::listener& lc, services& svc, const auth_offer& offer) {
    pop3::listener_policy p;
    p.tls_active = lc.tls == config::tls_mode::implicit;
    p.stls_offered = lc.tls == config::tls_mode::starttls;
    p.plaintext_auth = lc.plaintext_auth;
    p.apop = lc.apop && offer.legacy_possible;
    p.sasl_mechanisms = offer.mechanisms;
    p.hostname = svc.cfg.hostname;
    return p;
}

pop3::limits limits_for(const config::listener& lc) {
    pop3::limits l;
    l.max_bad_commands = lc.max_bad_commands;
    l.max_auth_failures = lc.max_auth_failures;
    l.auth_failure_delay = lc.auth_failure_delay;
    l.max_auth_failure_delay = lc.max_auth_failure_delay;
    l.autologout = std::chrono::duration_cast<std::chrono::minutes>(lc.idle_timeout);
    return l;
}

const char* reason_name(pop3::close_reason r) {
    switch (r) {
        case pop3::close_reason::quit: return "quit";
        case pop3::close_reason::timeout: return "timeout";
        case pop3::close_reason::eof: return "disconnected";
        case pop3::close_reason::too_many_errors: return "too_many_errors";
        case pop3::close_reason::auth_failures: return "too_many_auth_failures";
        case pop3::close_reason::tls_failed: return "tls_failed";
        case pop3::close_reason::server_error: return "server_error";
    }
    return "unknown";
}

// Performs the engine's requests; one per connection, lives in serve_pop3's frame.
class pop3_driver {
public:
    pop3_driver(net::byte_stream& peer, const config::listener& lc, services& svc, const auth_offer& offer,
                const std::string& id)
        : peer_(peer), lc_(lc), svc_(svc), id_(id),
          engine_(policy_for(lc, svc, offer), limits_for(lc),
                  pop3::session_env{svc.clk, svc.rnd, static_cast<std::uint32_t>(::getpid())}) {}

    pop3::server_session& engine() { return engine_; }
    std::string close_reason = "write_failed";

    asio::awaitable<bool> operator()(pop3::action& act) {
        return std::visit([this](auto& a) { return on(a); }, act);
    }

private:
    std::chrono::milliseconds write_limit() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(lc_.idle_timeout);
    }

    asio::awaitable<bool> on(pop3::send_reply& a) { co_return co_await peer_.write_all(a.bytes, write_limit()); }

    asio::awaitable<bool> on(pop3::start_tls&) {
        const bool upgraded = co_await upgrade_to_tls(peer_, svc_, id_);
        if (!upgraded) {
            close_reason = "tls_failed";
            co_return false;
        }
        engine_.tls_started();
        co_return true;
    }

    asio::awaitable<bool> on(pop3::verify_login& a) {
        auto verdict = co_await net::offload(svc_.pool, [&] { return check_pop3_login(svc_, a.cred); });
        const bool apop = std::holds_alternative<pop3::apop_login>(a.cred);
        std::visit([&](const auto& c) { attempted_user_ = c.user; }, a.cred);
        log_login(verdict, apop ? "APOP" : "USER");
        engine_.login_done(std::move(verdict));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::sasl_begin& a) {
        attempted_user_.clear();
        auto step = co_await sasl_.begin(a.mechanism, a.initial_response_b64);  // own statement: g++ 12
        deliver(std::move(step));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::sasl_continue& a) {
        auto step = co_await sasl_.step(a.response_b64);
        deliver(std::move(step));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::sasl_abort&) {
        sasl_.abort();
        co_return true;
    }

    void deliver(auth::sasl_step step) {
        using o = auth::sasl_step::outcome;
        if (step.what == o::challenge) {
            engine_.sasl_challenge(std::move(step.data_b64));
            return;
        }
        pop3::login_verdict v;
        v.status = step.what == o::success             ? pop3::login_status::ok
                   : step.what == o::temporary_failure ? pop3::login_status::temporary_failure
                                                       : pop3::login_status::bad_credentials;
        v.user = step.user;
        log_login(v, sasl_.mechanism());
        std::optional<std::string> final_data;
        if (step.what == o::success && !step.data_b64.empty()) final_data = std::move(step.data_b64);
        engine_.sasl_done(std::move(v), std::move(final_data));
    }

    void log_login(const pop3::login_verdict& v, const std::string& mech) {
        const char* what = v.status == pop3::login_status::ok                  ? "login"
                           : v.status == pop3::login_status::temporary_failure ? "login tempfail"
                                                                                : "login failed";
        spdlog::info("{} {} user={} mech={} tls={} ip={}", id_, what,
                     v.status == pop3::login_status::ok ? v.user : attempted_user_, mech,
                     peer_.tls_active() ? "yes" : "no", peer_.peer_address());
    }

    asio::awaitable<bool> on(pop3::open_maildrop& a) {
        auto listing = co_await net::offload(svc_.pool, [&] { return maildrop_.open(svc_.mail_root, a.user); });
        if (listing) {
            svc_.pop_before_smtp.record(peer_.peer_address(), svc_.clk.now());
            spdlog::info("{} maildrop user={} messages={}", id_, a.user, listing->size());
        } else if (listing.error() == errc::in_use) {
            spdlog::info("{} maildrop in-use user={}", id_, a.user);
        } else {
            spdlog::error("{} maildrop failed user={} error=\"{}\"", id_, a.user, listing.error().message());
        }
        engine_.maildrop_opened(std::move(listing));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::load_message& a) {
        auto raw = co_await net::offload(svc_.pool, [&] { return maildrop_.read(a.index); });
        if (!raw)
            spdlog::error("{} read failed index={} error=\"{}\"", id_, a.index, raw.error().message());
        engine_.message_loaded(std::move(raw));
        co_return true;
    }

    asio::awaitable<bool> on(pop3::apply_deletes& a) {
        auto ec = co_await net::offload(svc_.storage_pool, [&] { return maildrop_.apply_deletes(a.uids); });
        if (ec) spdlog::error("{} delete failed error=\"{}\"", id_, ec.message());
        engine_.deletes_applied(ec);
        co_return true;
    }

    asio::awaitable<bool> on(pop3::pause& a) {
        co_await wait_for(a.delay);
        co_return true;
    }

    asio::awaitable<bool> on(pop3::close_connection& a) {
        close_reason = reason_name(a.why);
        co_return false;
    }

    net::byte_stream& peer_;
    const config::listener& lc_;
    services& svc_;
    const std::string& id_;
    pop3::server_session engine_;
    sasl_runner sasl_{svc_};
    std::string attempted_user_;
    pop3_maildrop maildrop_{svc_.mailbox_events};
};

}  // namespace

asio::awaitable<void> serve_pop3(net::byte_stream& peer, const config::listener& lc, services& svc,
                                 const std::string& id) {
    const auto offer = co_await auth_offer_for(lc, svc);
    pop3_driver driver(peer, lc, svc, offer, id);
    co_await net::run_engine(peer, driver.engine(), driver,
                             std::chrono::duration_cast<std::chrono::milliseconds>(lc.idle_timeout));
    const auto& s = driver.engine().summary();
    spdlog::info("{} disconnect reason={} user={} retrieved={} bytes={} deleted={} auth_failures={}", id,
                 driver.close_reason, s.user.empty() ? "-" : s.user, s.retrieved, s.retrieved_bytes,
                 s.deleted, s.auth_failures);
    co_await peer.shutdown(std::chrono::seconds(5));
}

}  // namespace mailroom::server
