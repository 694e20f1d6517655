#include "delivery/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "delivery/bounce_envelope.hpp"
#include "delivery/outcome_decision.hpp"
#include "delivery/outcome_recording.hpp"
#include "delivery/plan_grouping.hpp"
#include "mail/dsn.hpp"
#include "net/offload.hpp"

namespace mailroom::delivery {
namespace asio = boost::asio;
using sys_clock = std::chrono::system_clock;

namespace {

// How long the loop sleeps at most: a bound on the damage of a missed wake.
constexpr auto max_sleep = std::chrono::seconds(60);
// A round that could not be written back is tried again this soon.
constexpr auto storage_retry = std::chrono::minutes(1);

std::set<std::string> pending_domains(const queue::envelope& env) {
    std::set<std::string> out;
    for (const auto& g : pending_by_domain(env)) out.insert(g.domain);
    return out;
}

const char* outcome_name(smtp::client::delivery_status s) {
    switch (s) {
        case smtp::client::delivery_status::delivered: return "sent";
        case smtp::client::delivery_status::temporary: return "deferred";
        case smtp::client::delivery_status::permanent: return "bounced";
    }
    return "?";
}

std::string reply_text(const smtp::client::reply& r) {
    std::string out = r.code ? std::to_string(r.code) : std::string("local");
    if (!r.enhanced.empty()) out += " " + r.enhanced;
    for (const auto& l : r.lines) out += " " + l;
    return out;
}

// Only connection-stage temporary outcomes: no server took part in this
// message, so the next MX host may (RFC 5321 §5.1).
bool try_next_host(const smtp::client::message_done& done) {
    return !done.recipients.empty() && std::all_of(done.recipients.begin(), done.recipients.end(), [](const auto& r) {
        return r.status == smtp::client::delivery_status::temporary && r.where == smtp::client::stage::connection;
    });
}

}  // namespace

scheduler::scheduler(asio::any_io_executor io, scheduler_config cfg, scheduler_services svc)
    : io_(io), cfg_(std::move(cfg)), svc_(std::move(svc)), timer_(io) {}

void scheduler::start(std::vector<queue::envelope> queued) {
    for (auto& env : queued) envelopes_[env.id] = std::move(env);
    running_ = true;
    asio::co_spawn(io_, run(), asio::detached);
}

void scheduler::add(queue::envelope env) {
    asio::post(io_, [this, env = std::move(env)]() mutable {
        env.next_attempt = sys_clock::now();
        const auto id = env.id;
        envelopes_[id] = std::move(env);
        wake();
    });
}

void scheduler::flush_all() {
    asio::post(io_, [this] {
        const auto now = sys_clock::now();
        for (auto& [id, env] : envelopes_) env.next_attempt = now;
        wake();
    });
}

void scheduler::stop() {
    asio::post(io_, [this] {
        running_ = false;
        timer_.cancel();
    });
}

void scheduler::wake() { timer_.cancel(); }

bool scheduler::domain_busy(const queue::envelope& env) const {
    for (const auto& d : pending_domains(env))
        if (auto it = domain_load_.find(d); it != domain_load_.end() && it->second >= cfg_.max_per_domain) return true;
    return false;
}

asio::awaitable<void> scheduler::run() {
    while (running_) {
        const auto now = sys_clock::now();
        auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(max_sleep);
        for (auto& [id, env] : envelopes_) {
            if (in_round_.count(id)) continue;
            if (env.next_attempt > now) {
                sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::milliseconds>(env.next_attempt - now) +
                                            std::chrono::milliseconds(1));
                continue;
            }
            // Due, but full: a finishing round wakes us.
            if (in_round_.size() >= cfg_.max_parallel_rounds || domain_busy(env)) continue;
            in_round_.insert(id);
            for (const auto& d : pending_domains(env)) ++domain_load_[d];
            asio::co_spawn(io_, attempt(id), asio::detached);
        }
        timer_.expires_after(sleep);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // cancelled: something changed; expired: something is due
    }
}

asio::awaitable<void> scheduler::attempt(std::string id) {
    queue::envelope env = envelopes_.at(id);
    const auto domains = pending_domains(env);
    std::string content;
    try {
        auto read = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.read_message(id); });
        if (!read) {
            spdlog::error("{} cannot read the queued message: {}", id, read.error().message());
            if (read.error() == errc::not_found) envelopes_.erase(id);
            else envelopes_[id].next_attempt = sys_clock::now() + storage_retry;
        } else {
            content = std::move(*read);
            for (const auto& group : pending_by_domain(env)) co_await attempt_domain(env, content, group.domain, group.indexes);
            co_await finish_round(std::move(env), content);
        }
    } catch (const std::exception& e) {
        // Nothing was written back: the round is redone later.
        spdlog::error("{} delivery round failed: {}", id, e.what());
        if (auto it = envelopes_.find(id); it != envelopes_.end()) it->second.next_attempt = sys_clock::now() + storage_retry;
    }
    co_await settle_admin_requests(id);  // `queue delete|bounce` made during the round
    in_round_.erase(id);
    for (const auto& d : domains)
        if (auto it = domain_load_.find(d); it != domain_load_.end() && --it->second == 0) domain_load_.erase(it);
    wake();
}

asio::awaitable<void> scheduler::attempt_domain(queue::envelope& env, const std::string& content,
                                                const std::string& domain, const std::vector<std::size_t>& indexes) {
    const auto now = sys_clock::now();
    if (domain.empty()) {
        record_route_failure(env, indexes, {true, 550, "5.1.3", "no domain in the recipient address"}, now);
        co_return;
    }
    const bool local = co_await net::offload(svc_.storage_pool, [&] { return svc_.is_local_domain(domain); });
    if (local) {
        for (auto i : indexes) {
            const std::string& rcpt = env.recipients[i].address;
            const auto ec = co_await net::offload(svc_.storage_pool,
                                                  [&] { return svc_.deliver_local(env.sender, rcpt, content); });
            const std::vector<std::size_t> one{i};
            if (ec == errc::not_found)
                record_route_failure(env, one, {true, 550, "5.1.1", "no such local mailbox"}, now);
            else if (ec)
                record_local_failure(env, one, "local delivery failed: " + ec.message(), "4.3.0", now);
            else
                record_local_delivery(env, one, now);
            spdlog::info("{} to=<{}> relay=local status={}{}", env.id, rcpt,
                         ec ? (ec == errc::not_found ? "bounced" : "deferred") : "sent",
                         ec ? " (" + ec.message() + ")" : std::string());
        }
        co_return;
    }

    auto plan = co_await route_domain(cfg_.routing, svc_.resolver, svc_.random, domain);
    if (auto* failure = std::get_if<dns::route_failure>(&plan)) {
        spdlog::info("{} domain={} status={} ({} {} {})", env.id, domain, failure->permanent ? "bounced" : "deferred",
                     failure->reply_code, failure->enhanced_status, failure->text);
        record_route_failure(env, indexes, *failure, sys_clock::now());
        co_return;
    }
    const auto& destinations = std::get<std::vector<smtp_destination>>(plan);
    for (std::size_t n = 0; n < destinations.size(); ++n) {
        const auto& dest = destinations[n];
        std::vector<smtp::client::outgoing_message> batch;
        batch.push_back(to_outgoing(env, indexes, content));
        auto report = co_await transfer(svc_.transfer, dest, std::move(batch));
        if (report.messages.empty()) continue;  // cannot happen: one report per message
        const auto& done = report.messages.front();
        const std::string relay = report.peer.empty() ? dest.host : report.peer;
        if (try_next_host(done) && n + 1 < destinations.size()) {
            spdlog::info("{} relay={} unusable ({}), trying the next host", env.id, relay, report.detail);
            continue;
        }
        for (const auto& r : done.recipients)
            spdlog::info("{} to=<{}> relay={} tls=\"{}\" status={} ({})", env.id, r.address, relay,
                         report.tls.empty() ? "none" : report.tls, outcome_name(r.status), reply_text(r.response));
        record_transfer(env, indexes, done, dest.host, sys_clock::now());
        co_return;
    }
}

asio::awaitable<bool> scheduler::queue_notification(const queue::envelope& env, const std::string& content,
                                                     mail::dsn_kind kind, const std::vector<std::size_t>& who,
                                                     sys_clock::time_point now) {
    if (who.empty()) co_return true;
    mail::dsn_request req;
    req.reporting_mta = cfg_.hostname;
    req.kind = kind;
    req.recipients = who;
    req.now = now;
    req.retry_until = queue::give_up_time(cfg_.retry, env.arrived);
    auto dsn = mail::compose_dsn(req, env, content, svc_.random);
    if (!dsn) {
        // Nobody asked (NOTIFY), or the null sender: a notification about a notification is never
        // sent (RFC 5321 §4.5.5, RFC 3464 §2.2); the log is all that is left.
        if (kind == mail::dsn_kind::failure && env.sender.empty())
            spdlog::warn("{} undeliverable with the null sender: no notification, dropped", env.id);
        co_return true;
    }
    auto dsn_env = make_dsn_envelope(env, *dsn, cfg_.hostname, now);
    if (!dsn_env) co_return true;
    auto id = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.enqueue(*dsn_env, dsn->bytes); });
    if (!id) {
        spdlog::error("{} cannot queue a delivery status notification: {}", env.id, id.error().message());
        co_return false;
    }
    dsn_env->id = *id;
    spdlog::info("{} notification queued as {} to=<{}>", env.id, *id, env.sender);
    add(std::move(*dsn_env));
    co_return true;
}

asio::awaitable<void> scheduler::finish_round(queue::envelope env, const std::string& content) {
    const auto now = sys_clock::now();
    // An administrator's request made during the round wins over its results.
    if (const auto request = take_admin_request(env.id)) {
        if (*request == admin_request::remove) {
            co_await remove_stored(env.id);
            co_return;
        }
        record_administrative_bounce(env, now);
    }
    const auto decision = decide_after_attempt(env, cfg_.retry, now);

    // Every DSN durably queued before the envelope says "reported"
    // (outcome_decision.hpp): a crash in between sends one twice, never none.
    bool all_queued = true;
    const std::pair<mail::dsn_kind, const std::vector<std::size_t>*> notices[] = {
        {mail::dsn_kind::failure, &decision.bounce},
        {mail::dsn_kind::delay, &decision.warn_delay},
        {mail::dsn_kind::delivered, &decision.delivered_notices},
        {mail::dsn_kind::relayed, &decision.relayed_notices},
    };
    for (const auto& [kind, who] : notices) {
        if (kind == mail::dsn_kind::delay && !decision.delay_warning_due) continue;
        const bool queued = co_await queue_notification(env, content, kind, *who, now);
        all_queued = all_queued && queued;
    }
    if (all_queued) mark_notices_queued(env, decision);

    if (decision.finished && all_queued) {
        auto ec = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.remove(env.id); });
        if (ec && ec != errc::not_found) {
            spdlog::error("{} cannot remove the delivered message: {}", env.id, ec.message());
            env.next_attempt = now + storage_retry;  // done again: delivered recipients are skipped
            envelopes_[env.id] = std::move(env);
            co_return;
        }
        spdlog::info("{} removed", env.id);
        envelopes_.erase(env.id);
        co_return;
    }
    if (!all_queued) env.next_attempt = std::min(env.next_attempt, now + storage_retry);
    auto ec = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.update(env); });
    if (ec) {
        // The stored envelope is the old one: this round is redone.
        spdlog::error("{} cannot record the attempt: {}", env.id, ec.message());
        env.next_attempt = now + storage_retry;
    }
    envelopes_[env.id] = std::move(env);
}

}  // namespace mailroom::delivery
