#include "delivery/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "common/log_field.hpp"
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
// How early a message may be attempted to share a connection (run()).
constexpr auto batch_window = std::chrono::seconds(60);
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
    // The enhanced code is usually part of the text already (RFC 2034 §4).
    const bool in_text = !r.lines.empty() && r.lines.front().rfind(r.enhanced, 0) == 0;
    if (!r.enhanced.empty() && !in_text) out += " " + r.enhanced;
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
    : io_(io), cfg_(std::move(cfg)), svc_(std::move(svc)), timer_(io) {
    sending_ = std::make_shared<const sending_setup>(sending_setup{cfg_.routing, &svc_.resolver, svc_.transfer, {}});
}

void scheduler::reconfigure(scheduler_config cfg, dns::resolver& resolver, transfer_options transfer,
                            std::shared_ptr<const void> owner) {
    sending_ = std::make_shared<const sending_setup>(
        sending_setup{cfg.routing, &resolver, std::move(transfer), std::move(owner)});
    cfg_ = std::move(cfg);
    wake();  // max_parallel_rounds may have grown
}

void scheduler::start(std::vector<queue::envelope> queued) {
    for (auto& env : queued) {
        const auto id = env.id;
        envelopes_[id] = std::move(env);
        reindex(id);
    }
    running_ = true;
    asio::co_spawn(io_, run(), asio::detached);
}

void scheduler::add(queue::envelope env) {
    asio::post(io_, [this, env = std::move(env)]() mutable {
        env.next_attempt = sys_clock::now();
        const auto id = env.id;
        envelopes_[id] = std::move(env);
        reindex(id);
        wake();
    });
}

void scheduler::flush_all() {
    asio::post(io_, [this] {
        const auto now = sys_clock::now();
        for (auto& [id, env] : envelopes_) {
            env.next_attempt = now;
            reindex(id);
        }
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

void scheduler::reindex(const std::string& id) {
    auto it = envelopes_.find(id);
    if (it == envelopes_.end() || in_round_.count(id)) {
        index_.erase(id);
        return;
    }
    auto domains = pending_domains(it->second);
    lane_key lane = domains.size() == 1 ? lane_key{*domains.begin(), false} : lane_key{id, true};
    index_.put(id, it->second.next_attempt, std::move(lane));
}

asio::awaitable<void> scheduler::run() {
    while (running_) {
        const auto now = sys_clock::now();
        // Due messages whose only pending domain is the same go out together,
        // on one connection (Postfix reuses connections the same way); a
        // message for several domains has a round of its own.
        // A message due within batch_window joins a due one for its domain:
        // after a failure messages for one domain fall due a few moments
        // apart, and would otherwise each take a connection. Lanes take
        // turns (due_index::due_lanes), so a backlog for one domain cannot
        // hold back the others; what a full round left waits for the next pass.
        for (const auto& lane : index_.due_lanes(now)) {
            if (rounds_ >= cfg_.max_parallel_rounds) break;  // a finishing round wakes us
            if (start_round(index_.batch(lane, now, batch_window, cfg_.max_messages_per_connection)))
                index_.served(lane);
        }
        auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(max_sleep);
        if (const auto next = index_.next_after(now))
            sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::milliseconds>(*next - now) +
                                        std::chrono::milliseconds(1));
        timer_.expires_after(sleep);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // cancelled: something changed; expired: something is due
    }
}

bool scheduler::start_round(std::vector<std::string> ids) {
    // Due, but full: a finishing round wakes us.
    if (ids.empty() || rounds_ >= cfg_.max_parallel_rounds) return false;
    std::set<std::string> domains;
    for (const auto& id : ids)
        for (auto& d : pending_domains(envelopes_.at(id))) domains.insert(std::move(d));
    for (const auto& d : domains)
        if (auto it = domain_load_.find(d); it != domain_load_.end() && it->second >= cfg_.max_per_domain) return false;
    ++rounds_;
    for (const auto& d : domains) ++domain_load_[d];
    for (const auto& id : ids) {
        in_round_.insert(id);
        reindex(id);
    }
    asio::co_spawn(io_, attempt(std::move(ids), std::move(domains)), asio::detached);
    return true;
}

asio::awaitable<void> scheduler::attempt(std::vector<std::string> ids, std::set<std::string> domains) {
    std::vector<round_item> items;
    const auto sending = sending_;  // a reload during the round does not change it
    try {
        for (const auto& id : ids) {
            auto read = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.open_message(id); });
            if (!read) {
                spdlog::error("{} cannot read the queued message: {}", id, read.error().message());
                if (read.error() == errc::not_found) envelopes_.erase(id);
                else envelopes_[id].next_attempt = sys_clock::now() + storage_retry;
                reindex(id);
                continue;
            }
            items.push_back({envelopes_.at(id), std::make_shared<const queued_content>(std::move(*read))});
        }
        // Each domain once, with every message of the round that has
        // recipients there.
        std::map<std::string, std::vector<round_part>> by_domain;
        for (auto& item : items) {
            auto groups = pending_by_domain(item.env);
            item.domains = groups.size();
            for (auto& group : groups) by_domain[group.domain].push_back({&item, std::move(group.indexes)});
        }
        for (auto& [domain, parts] : by_domain) co_await attempt_domain(domain, parts, *sending);
        for (auto& item : items)
            if (!item.finished) co_await finish_round(std::move(item.env), item.content->source());
    } catch (const std::exception& e) {
        // What was not written back is redone later.
        spdlog::error("delivery round of {} failed: {}", ids.front(), e.what());
        for (const auto& id : ids)
            if (auto it = envelopes_.find(id); it != envelopes_.end())
                it->second.next_attempt = std::max(it->second.next_attempt, sys_clock::now() + storage_retry);
        for (const auto& id : ids) reindex(id);
    }
    // `queue delete|bounce` made during the round and not yet carried out.
    for (const auto& id : ids) co_await settle_admin_requests(id);
    for (const auto& id : ids) {
        in_round_.erase(id);
        if (flush_after_round_.erase(id))
            if (auto it = envelopes_.find(id); it != envelopes_.end()) it->second.next_attempt = sys_clock::now();
        reindex(id);
    }
    for (const auto& d : domains)
        if (auto it = domain_load_.find(d); it != domain_load_.end() && --it->second == 0) domain_load_.erase(it);
    --rounds_;
    wake();
}

asio::awaitable<void> scheduler::attempt_domain(const std::string& domain, std::vector<round_part>& parts,
                                                const sending_setup& sending) {
    const auto now = sys_clock::now();
    if (domain.empty()) {
        for (auto& p : parts)
            record_route_failure(p.item->env, p.indexes, {true, 550, "5.1.3", "no domain in the recipient address"},
                                 now);
        co_return;
    }
    const bool local = co_await net::offload(svc_.storage_pool, [&] { return svc_.is_local_domain(domain); });
    if (local) {
        for (auto& p : parts) co_await deliver_here(p);
        co_return;
    }

    auto plan = co_await route_domain(sending.routing, *sending.resolver, svc_.random, domain);
    if (auto* failure = std::get_if<dns::route_failure>(&plan)) {
        for (auto& p : parts) {
            spdlog::info("{} domain={} status={} ({})", p.item->env.id, log_field(domain),
                         failure->permanent ? "bounced" : "deferred",
                         log_field(std::to_string(failure->reply_code) + " " + failure->enhanced_status + " " +
                                   failure->text));
            record_route_failure(p.item->env, p.indexes, *failure, sys_clock::now());
        }
        co_return;
    }
    const auto& destinations = std::get<std::vector<smtp_destination>>(plan);
    std::vector<round_part*> left;
    for (auto& p : parts) left.push_back(&p);
    for (std::size_t n = 0; n < destinations.size() && !left.empty(); ++n) {
        const auto& dest = destinations[n];
        std::vector<smtp::client::outgoing_message> outgoing;
        for (auto* p : left) outgoing.push_back(to_outgoing(p->item->env, p->indexes, p->item->content));
        connection_batch batch{&dest, left};
        auto report = co_await transfer(sending.transfer, dest, std::move(outgoing),
                                        [this, &batch](std::size_t index, const transfer_report& so_far) {
                                            return message_done(&batch, index, so_far.messages.at(index), so_far.peer,
                                                                so_far.tls);
                                        });
        const std::string relay = report.peer.empty() ? dest.host : report.peer;
        const bool last_host = n + 1 == destinations.size();
        std::vector<round_part*> next;
        for (std::size_t m = 0; m < left.size() && m < report.messages.size(); ++m) {
            if (left[m]->recorded) continue;  // message_done saw it
            const auto& done = report.messages[m];
            if (try_next_host(done) && !last_host) {
                spdlog::info("{} relay={} unusable ({}), trying the next host", left[m]->item->env.id, log_field(relay),
                             log_field(report.detail));
                next.push_back(left[m]);
                continue;
            }
            record_outcome(*left[m], done, relay, report.tls, dest.host);
        }
        left = std::move(next);
    }
}

void scheduler::record_outcome(round_part& part, const smtp::client::message_done& done, const std::string& relay,
                               const std::string& tls, const std::string& remote_mta) {
    auto& env = part.item->env;
    for (const auto& r : done.recipients)
        spdlog::info("{} to=<{}> relay={} tls={} status={} ({})", env.id, log_field(r.address), log_field(relay),
                     log_field(tls.empty() ? "none" : tls), outcome_name(r.status), log_field(reply_text(r.response)));
    record_transfer(env, part.indexes, done, remote_mta, sys_clock::now());
    part.recorded = true;
}

asio::awaitable<void> scheduler::message_done(connection_batch* batch, std::size_t index,
                                              smtp::client::message_done done, std::string relay, std::string tls) {
    // Connection-stage outcomes may still go to the next endpoint or host:
    // attempt_domain decides them when the transfer is over.
    if (index >= batch->parts.size() || try_next_host(done)) co_return;
    auto& part = *batch->parts[index];
    record_outcome(part, done, relay.empty() ? batch->dest->host : relay, tls, batch->dest->host);
    auto& item = *part.item;
    // A message with recipients in other domains is decided once the whole
    // round is over; batched messages have one domain and are done now: a
    // message the server accepted must not go out again if we crash before
    // the connection ends (RFC 5321 §6.1: the 250 made it the server's).
    if (item.domains != 1 || item.finished) co_return;
    item.finished = true;
    co_await finish_round(item.env, item.content->source());
}

asio::awaitable<void> scheduler::deliver_here(round_part& p) {
    auto& env = p.item->env;
    const auto now = sys_clock::now();
    for (auto i : p.indexes) {
        const std::string& rcpt = env.recipients[i].address;
        const auto ec = co_await net::offload(svc_.storage_pool,
                                              [&] { return svc_.deliver_local(env, i, p.item->content->source()); });
        const std::vector<std::size_t> one{i};
        if (ec == errc::not_found) record_route_failure(env, one, {true, 550, "5.1.1", "no such local mailbox"}, now);
        // RFC 3463 4.2.2: full now, perhaps not later; bounced at the queue's lifetime.
        else if (ec == errc::over_quota) record_local_failure(env, one, "mailbox full (over quota)", "4.2.2", now);
        else if (ec) record_local_failure(env, one, "local delivery failed: " + ec.message(), "4.3.0", now);
        else record_local_delivery(env, one, now);
        spdlog::info("{} to=<{}> relay=local status={}{}", env.id, log_field(rcpt),
                     ec ? (ec == errc::not_found ? "bounced" : "deferred") : "sent",
                     ec ? " (" + ec.message() + ")" : std::string());
    }
}

asio::awaitable<bool> scheduler::queue_notification(const queue::envelope& env, const queue::message_source& content,
                                                    mail::dsn_kind kind, const std::vector<std::size_t>& who,
                                                    sys_clock::time_point now) {
    if (who.empty()) co_return true;
    mail::dsn_request req;
    req.reporting_mta = cfg_.hostname;
    req.kind = kind;
    req.recipients = who;
    req.now = now;
    req.retry_until = queue::give_up_time(cfg_.retry, env.arrived);
    // A notice quotes the whole message only when it is small, else its
    // header: one byte past both limits is all compose_dsn needs to tell.
    const auto quoted_bytes = std::max(req.limits.max_returned_message_bytes, req.limits.max_returned_header_bytes) + 1;
    auto original = co_await net::offload(svc_.storage_pool, [&] { return queue::read_head(content, quoted_bytes); });
    if (!original) {
        spdlog::error("{} cannot read the queued message for a notification: {}", env.id, original.error().message());
        co_return false;
    }
    auto dsn = mail::compose_dsn(req, env, *original, svc_.random);
    if (!dsn) co_return true;  // `who` named no valid recipient
    auto dsn_env = make_dsn_envelope(env, *dsn, cfg_.hostname, now);
    if (!dsn_env) co_return true;
    auto id = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.enqueue(*dsn_env, dsn->bytes); });
    if (!id) {
        spdlog::error("{} cannot queue a delivery status notification: {}", env.id, id.error().message());
        co_return false;
    }
    dsn_env->id = *id;
    spdlog::info("{} notification queued as {} to=<{}>", env.id, *id, log_field(env.sender));
    add(std::move(*dsn_env));
    co_return true;
}

asio::awaitable<void> scheduler::finish_round(queue::envelope env, const queue::message_source& content) {
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
    count_outcomes(env, now);
    // A notification about a notification is never sent (RFC 5321 §4.5.5,
    // RFC 3464 §2.2): what the null sender cannot be told is logged.
    for (const auto i : decision.dropped)
        spdlog::warn("{} to=<{}> undeliverable with the null sender: no notification, dropped ({})", env.id,
                     log_field(env.recipients[i].address), log_field(env.recipients[i].last_error));

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
            const auto id = env.id;
            envelopes_[id] = std::move(env);
            reindex(id);
            co_return;
        }
        spdlog::info("{} removed", env.id);
        envelopes_.erase(env.id);
        reindex(env.id);
        co_return;
    }
    if (!all_queued) env.next_attempt = std::min(env.next_attempt, now + storage_retry);
    auto ec = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.update(env); });
    if (ec) {
        // The stored envelope is the old one: this round is redone.
        spdlog::error("{} cannot record the attempt: {}", env.id, ec.message());
        env.next_attempt = now + storage_retry;
    }
    const auto id = env.id;
    envelopes_[id] = std::move(env);
    reindex(id);
}

}  // namespace mailroom::delivery
