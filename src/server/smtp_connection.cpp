#include "server/smtp_connection.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <variant>

#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "delivery/scheduler.hpp"
#include "mail/trace_headers.hpp"
#include "net/offload.hpp"
#include "proto/smtp/server_session.hpp"
#include "queue/spool.hpp"
#include "server/acceptance.hpp"
#include "server/connection_driver.hpp"
#include "server/connection_steps.hpp"
#include "server/local_delivery.hpp"
#include "server/sasl_runner.hpp"
#include "server/smtp_policy.hpp"
#include "server/staged_body.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

smtp::listener_policy policy_for(const config::listener& lc, const std::string& hostname, const auth_offer& offer) {
    smtp::listener_policy p;
    p.submission = lc.service == config::service_kind::submission;
    p.tls_active = lc.tls == config::tls_mode::implicit;
    p.starttls_offered = lc.tls == config::tls_mode::starttls;
    p.plaintext_auth = lc.plaintext_auth;
    p.hostname = hostname;
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
    l.command_timeout = lc.idle_timeout;  // the listener's override of RFC 5321's 5 minutes
    return l;
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

// SMTP's own actions (sender, recipient, accepting the message); the
// shared ones are connection_driver's. One per connection.
class smtp_protocol {
public:
    smtp_protocol(net::byte_stream& peer, const config::listener& lc, const smtp_services& svc,
                  const network_list& trusted, const std::string& id, smtp::server_session& engine)
        : peer_(peer), lc_(lc), svc_(svc), trusted_(trusted), id_(id), engine_(engine) {}

    void log_auth(smtp::auth_status status, const std::string& user, const std::string& mech) {
        spdlog::log(level_of(status), "{} auth {} user={} mech={} tls={} ip={}", id_,
                    status == smtp::auth_status::ok                  ? "ok"
                    : status == smtp::auth_status::temporary_failure ? "tempfail"
                                                                     : "failed",
                    user.empty() ? "-" : log_field(user), mech, peer_.tls_active() ? "yes" : "no",
                    peer_.peer_address());
        if (svc_.metrics) svc_.metrics->login("smtp", mech, login_result_of(status));
    }

    std::string summary() const {
        const auto& s = engine_.summary();
        return fmt::format("helo={} user={} messages={} rejected={} auth_failures={}",
                           s.helo.empty() ? "-" : log_field(s.helo), s.auth_user.empty() ? "-" : log_field(s.auth_user),
                           s.messages, s.rejected, s.auth_failures);
    }

    client_facts facts(const std::string& auth_user) const {
        return {peer_.peer_address(), auth_user, lc_.service == config::service_kind::submission, lc_.pop_before_smtp};
    }

    asio::awaitable<bool> on(smtp::check_sender& a) {
        // Only a submission sender needs the directory: the rest is answered
        // here, without a round trip through the worker pool.
        const auto who = facts(a.auth_user);
        smtp::verdict v;
        if (sender_check_needs_directory(who, a.address))
            v = co_await net::offload(svc_.pool, [&] { return check_sender(svc_.policy, who, a.address); });
        else v = check_sender(svc_.policy, who, a.address);
        if (!v.accepted())
            spdlog::info("{} sender refused from=<{}> code={} ip={}", id_, log_field(a.address), v.code,
                         peer_.peer_address());
        engine_.sender_checked(std::move(v));
        co_return true;
    }

    asio::awaitable<bool> on(smtp::check_recipient& a) {
        // Answered here when the directory can answer at once (the usual
        // case); otherwise on the worker pool, where waiting is harmless.
        const auto who = facts(a.auth_user);
        smtp::verdict v;
        if (auto now = check_recipient_now(svc_.policy, trusted_, who, a.address)) v = std::move(*now);
        else
            v = co_await net::offload(svc_.pool, [&] {
                return check_recipient(svc_.policy, trusted_, who, a.address, a.declared_size);
            });
        if (!v.accepted())
            spdlog::info("{} recipient refused to=<{}> code={} ip={}", id_, log_field(a.address), v.code,
                         peer_.peer_address());
        engine_.recipient_checked(std::move(v));
        co_return true;
    }

    // The text as it arrives. While a write to the staged file runs on the
    // storage pool this coroutine waits, so the socket is not read: the
    // client is held back by TCP, not by our memory.
    asio::awaitable<bool> on(smtp::message_data& a) {
        auto& body = body_of();
        if (body.needs_io(a.bytes.size())) co_await net::offload(svc_.storage_pool, [&] { body.append(a.bytes); });
        else body.append(a.bytes);  // a failure is kept and answered at the end of data
        co_return true;
    }

    asio::awaitable<bool> on(smtp::discard_message&) {
        co_await drop_body();
        co_return true;
    }

    asio::awaitable<void> drop_body() {
        if (!body_) co_return;
        if (body_->needs_io_to_clear()) co_await net::offload(svc_.storage_pool, [&] { body_->clear(); });
        else body_->clear();
    }

    asio::awaitable<bool> on(smtp::queue_message& a) {
        const std::string qid = new_queue_id(svc_.clk, svc_.rnd);
        auto& body = body_of();
        if (const auto staging = body.error()) {
            spdlog::error("{} {} staging failed error=\"{}\"", id_, qid, staging.message());
            co_await drop_body();
            engine_.message_queued(make_error_code(errc::storage_failure));
            co_return true;
        }
        mail::received_info r;
        r.helo = a.tx.helo;
        r.client_address = peer_.peer_address();
        r.by_host = svc_.hostname;
        r.queue_id = qid;
        if (a.tx.recipients.size() == 1) r.recipient = a.tx.recipients.front().address;
        r.esmtp = a.tx.esmtp;
        r.tls = a.tx.tls;
        r.tls_description = peer_.tls_description();
        r.auth_user = a.tx.auth_user;
        r.smtputf8 = a.tx.params.smtputf8;
        r.when = svc_.clk.now();
        const std::string received = mail::received_header(r);
        const queue::prefixed_source message(received, body);
        const auto msg = message_envelope(a.tx, peer_.peer_address(), svc_.clk.now());
        auto done = co_await net::offload(svc_.storage_pool, [&] {
            const std::string log_id = id_ + " " + qid;
            auto out = accept_message(svc_.acceptance, msg, message, log_id);
            body.clear();  // copied into the queue and the mailboxes (or refused)
            return out;
        });
        if (!done) {
            const bool full = done.error() == errc::over_quota;
            if (full) spdlog::info("{} {} refused: over quota size={}", id_, qid, received.size() + a.size);
            else spdlog::error("{} {} accept failed error=\"{}\"", id_, qid, done.error().message());
            engine_.message_queued(make_error_code(full ? errc::over_quota : errc::storage_failure));
            co_return true;
        }
        std::string to;
        for (const auto& rc : msg.recipients) to += (to.empty() ? "" : ",") + log_field(rc.address);
        spdlog::info("{} {} accepted from=<{}> to={} size={} user={} queue={}", id_, qid, log_field(a.tx.sender), to,
                     received.size() + a.size, a.tx.auth_user.empty() ? "-" : log_field(a.tx.auth_user),
                     done->queued_as.empty() ? "-" : done->queued_as);
        engine_.message_queued(qid);
        if (svc_.metrics) svc_.metrics->listener(lc_.name).messages_received.Increment();
        schedule(svc_.outbound, std::move(*done));
        co_return true;
    }

    net::byte_stream& peer_;
    const config::listener& lc_;
    const smtp_services& svc_;
    const network_list& trusted_;
    const std::string& id_;
    smtp::server_session& engine_;
    // The message being received; made at the first one, so an idle
    // connection does not carry it.
    staged_body& body_of() {
        if (!body_) body_ = std::make_unique<staged_body>(durable::real_file_system(), svc_.staging_dir);
        return *body_;
    }
    std::unique_ptr<staged_body> body_;
};

}  // namespace

smtp_services smtp_services_of(services& svc) {
    return {svc.cfg.hostname,
            svc.pool,
            svc.storage_pool,
            svc.clk,
            svc.rnd,
            {svc.users, svc.pop_before_smtp, svc.clk, quota_defaults_of(svc)},
            acceptance_context_of(svc),
            svc.spool.staging_directory(),
            svc.outbound,
            svc.metrics};
}

asio::awaitable<void> serve_smtp(net::byte_stream& peer, const config::listener& lc, services& svc,
                                 const network_list& trusted, const std::string& id) {
    const auto offer = co_await auth_offer_for(lc, svc);
    smtp::server_session engine(policy_for(lc, svc.cfg.hostname, offer), limits_for(lc));
    sasl_runner sasl(svc);
    // A message being received is staged in the spool's tmp/ once large.
    const auto own = smtp_services_of(svc);
    smtp_protocol protocol(peer, lc, own, trusted, id, engine);
    connection_driver driver(session_io{peer, id, svc.tls, sasl, svc.logins}, engine, protocol);
    co_await driver.run();
    // A connection dropped mid-message: its staged file goes, off the event loop.
    co_await protocol.drop_body();
}

}  // namespace mailroom::server
