#include "server/smtp_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <variant>

#include "common/errors.hpp"
#include "delivery/scheduler.hpp"
#include "mail/trace_headers.hpp"
#include "net/offload.hpp"
#include "net/run_engine.hpp"
#include "proto/smtp/server_session.hpp"
#include "server/acceptance.hpp"
#include "server/local_delivery.hpp"
#include "server/connection_steps.hpp"
#include "server/sasl_runner.hpp"
#include "queue/spool.hpp"
#include "server/smtp_policy.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

smtp::listener_policy policy_for(const config::listener& lc, services& svc, const auth_offer& offer) {
    smtp::listener_policy p;
    p.submission = lc.service == config::service_kind::submission;
    p.tls_active = lc.tls == config::tls_mode::implicit;
    p.starttls_offered = lc.tls == config::tls_mode::starttls;
    p.plaintext_auth = lc.plaintext_auth;
    p.hostname = svc.cfg.hostname;
    p.sasl_mechanisms = offer.mechanisms;
    p.auth_offered = !p.sasl_mechanisms.empty();
    return p;
}

smtp::limits limits_for(const config::listener& lc) {
    smtp::limits l;
    l.max_message_bytes = lc.max_message_bytes;
    l.max_recipients = lc.max_recipients;
    l.max_bad_commands = lc.max_bad_commands;
    l.max_auth_failures = lc.max_auth_failures;
    l.auth_failure_delay = lc.auth_failure_delay;
    l.max_auth_failure_delay = lc.max_auth_failure_delay;
    return l;
}

const char* reason_name(smtp::close_reason r) {
    switch (r) {
        case smtp::close_reason::quit: return "quit";
        case smtp::close_reason::timeout: return "timeout";
        case smtp::close_reason::eof: return "disconnected";
        case smtp::close_reason::too_many_errors: return "too_many_errors";
        case smtp::close_reason::auth_failures: return "too_many_auth_failures";
        case smtp::close_reason::tls_failed: return "tls_failed";
        case smtp::close_reason::server_error: return "server_error";
    }
    return "unknown";
}

// The message as the acceptance transaction takes it: the envelope facts
// and every recipient as given, canonical where it can be.
queue::envelope message_envelope(const smtp::transaction_info& tx, std::string client_address,
                                 std::chrono::system_clock::time_point arrived) {
    queue::envelope env;
    env.sender = tx.sender;
    env.client_address = std::move(client_address);
    env.arrived = arrived;
    env.next_attempt = arrived;
    for (const auto& orig : tx.recipients) {
        queue::recipient qr;
        auto canonical = storage::canonical_address(orig.address);
        qr.address = canonical ? *canonical : orig.address;
        qr.orcpt = orig.params.orcpt;
        qr.notify = orig.params.notify;
        env.recipients.push_back(std::move(qr));
    }
    env.envid = tx.params.envid;
    env.ret = tx.params.ret == smtp::dsn_ret::full      ? queue::envelope::ret_kind::full
              : tx.params.ret == smtp::dsn_ret::headers ? queue::envelope::ret_kind::headers
                                                        : queue::envelope::ret_kind::unspecified;
    env.smtputf8 = tx.params.smtputf8;
    env.eight_bit = tx.params.body == smtp::body_type::eight_bit_mime;
    env.helo = tx.helo;
    env.auth_user = tx.auth_user;
    return env;
}

class smtp_driver {
public:
    smtp_driver(net::byte_stream& peer, const config::listener& lc, services& svc, const network_list& trusted,
                const auth_offer& offer, const std::string& id)
        : peer_(peer), lc_(lc), svc_(svc), trusted_(trusted), id_(id),
          engine_(policy_for(lc, svc, offer), limits_for(lc)) {}

    smtp::server_session& engine() { return engine_; }
    std::string close_reason = "write_failed";

    asio::awaitable<bool> operator()(smtp::action& act) {
        return std::visit([this](auto& a) { return on(a); }, act);
    }

private:
    std::chrono::milliseconds write_limit() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(lc_.idle_timeout);
    }
    client_facts facts(const std::string& auth_user) const {
        return {peer_.peer_address(), auth_user, lc_.service == config::service_kind::submission};
    }

    asio::awaitable<bool> on(smtp::send_reply& a) { co_return co_await peer_.write_all(a.bytes, write_limit()); }

    asio::awaitable<bool> on(smtp::start_tls&) {
        const bool upgraded = co_await upgrade_to_tls(peer_, svc_, id_);
        if (!upgraded) {
            close_reason = "tls_failed";
            co_return false;
        }
        engine_.tls_started();
        co_return true;
    }

    asio::awaitable<bool> on(smtp::sasl_begin& a) {
        auto step = co_await sasl_.begin(a.mechanism, a.initial_response_b64);  // own statement: g++ 12
        deliver(std::move(step));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::sasl_continue& a) {
        auto step = co_await sasl_.step(a.response_b64);
        deliver(std::move(step));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::sasl_abort&) {
        sasl_.abort();
        co_return true;
    }

    void deliver(auth::sasl_step step) {
        using o = auth::sasl_step::outcome;
        if (step.what == o::challenge) return engine_.sasl_challenge(std::move(step.data_b64));
        const auto status = step.what == o::success             ? smtp::auth_status::ok
                            : step.what == o::temporary_failure ? smtp::auth_status::temporary_failure
                                                                : smtp::auth_status::bad_credentials;
        spdlog::info("{} auth {} user={} mech={} tls={} ip={}", id_,
                     status == smtp::auth_status::ok ? "ok" : status == smtp::auth_status::temporary_failure ? "tempfail" : "failed",
                     step.user.empty() ? "-" : step.user, sasl_.mechanism(), peer_.tls_active() ? "yes" : "no",
                     peer_.peer_address());
        std::optional<std::string> final_data;
        if (step.what == o::success && !step.data_b64.empty()) final_data = std::move(step.data_b64);
        engine_.sasl_done(status, std::move(step.user), std::move(final_data));
    }

    asio::awaitable<bool> on(smtp::check_sender& a) {
        // Only a submission sender needs the directory: the rest is answered
        // here, without a round trip through the worker pool.
        const auto who = facts(a.auth_user);
        smtp::verdict v;
        if (sender_check_needs_directory(who, a.address))
            v = co_await net::offload(svc_.pool, [&] { return check_sender(svc_, who, a.address); });
        else
            v = check_sender(svc_, who, a.address);
        if (!v.accepted())
            spdlog::info("{} sender refused from=<{}> code={} ip={}", id_, a.address, v.code, peer_.peer_address());
        engine_.sender_checked(std::move(v));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::check_recipient& a) {
        // Answered here when the directory can answer at once (the usual
        // case); otherwise on the worker pool, where waiting is harmless.
        const auto who = facts(a.auth_user);
        smtp::verdict v;
        if (auto now = check_recipient_now(svc_, trusted_, who, a.address))
            v = std::move(*now);
        else
            v = co_await net::offload(svc_.pool, [&] { return check_recipient(svc_, trusted_, who, a.address); });
        if (!v.accepted())
            spdlog::info("{} recipient refused to=<{}> code={} ip={}", id_, a.address, v.code, peer_.peer_address());
        engine_.recipient_checked(std::move(v));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::queue_message& a) {
        const std::string qid = new_queue_id(svc_);
        mail::received_info r;
        r.helo = a.tx.helo;
        r.client_address = peer_.peer_address();
        r.by_host = svc_.cfg.hostname;
        r.queue_id = qid;
        if (a.tx.recipients.size() == 1) r.recipient = a.tx.recipients.front().address;
        r.esmtp = a.tx.esmtp;
        r.tls = a.tx.tls;
        r.tls_description = peer_.tls_description();
        r.auth_user = a.tx.auth_user;
        r.smtputf8 = a.tx.params.smtputf8;
        r.when = svc_.clk.now();
        std::string message = mail::received_header(r);
        message += a.message;
        const auto msg = message_envelope(a.tx, peer_.peer_address(), svc_.clk.now());
        auto done = co_await net::offload(svc_.storage_pool, [&] {
            const std::string log_id = id_ + " " + qid;
            return accept_message(acceptance_context_of(svc_), msg, message, log_id);
        });
        if (!done) {
            spdlog::error("{} {} accept failed error=\"{}\"", id_, qid, done.error().message());
            engine_.message_queued(make_error_code(errc::storage_failure));
            co_return true;
        }
        std::string to;
        for (const auto& rc : msg.recipients) to += (to.empty() ? "" : ",") + rc.address;
        spdlog::info("{} {} accepted from=<{}> to={} size={} user={} queue={}", id_, qid, a.tx.sender, to,
                     message.size(), a.tx.auth_user.empty() ? "-" : a.tx.auth_user,
                     done->queued_as.empty() ? "-" : done->queued_as);
        engine_.message_queued(qid);
        schedule(svc_, std::move(*done));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::pause& a) {
        co_await wait_for(a.delay);
        co_return true;
    }

    asio::awaitable<bool> on(smtp::close_connection& a) {
        close_reason = reason_name(a.why);
        co_return false;
    }

    net::byte_stream& peer_;
    const config::listener& lc_;
    services& svc_;
    const network_list& trusted_;
    const std::string& id_;
    smtp::server_session engine_;
    sasl_runner sasl_{svc_};
};

}  // namespace

asio::awaitable<void> serve_smtp(net::byte_stream& peer, const config::listener& lc, services& svc,
                                 const network_list& trusted, const std::string& id) {
    const auto offer = co_await auth_offer_for(lc, svc);
    smtp_driver driver(peer, lc, svc, trusted, offer, id);
    co_await net::run_engine(peer, driver.engine(), driver,
                             std::chrono::duration_cast<std::chrono::milliseconds>(lc.idle_timeout));
    const auto& s = driver.engine().summary();
    spdlog::info("{} disconnect reason={} helo={} user={} messages={} rejected={} auth_failures={}", id,
                 driver.close_reason, s.helo.empty() ? "-" : s.helo, s.auth_user.empty() ? "-" : s.auth_user,
                 s.messages, s.rejected, s.auth_failures);
    co_await peer.shutdown(std::chrono::seconds(5));
}

}  // namespace mailroom::server
