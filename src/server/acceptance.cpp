#include "server/acceptance.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/log_field.hpp"

#include "common/errors.hpp"
#include "delivery/scheduler.hpp"
#include "mail/trace_headers.hpp"
#include "metrics/registry.hpp"
#include "server/delivered_notice.hpp"
#include "server/local_delivery.hpp"
#include "server/services.hpp"

namespace mailroom::server {
namespace {

bool is_domain_literal(std::string_view address) {
    const auto at = address.rfind('@');
    return at != std::string_view::npos && at + 1 < address.size() && address[at + 1] == '[';
}

// More than mail::dsn_limits quotes of a message (whole up to 50 000
// octets, else a header of at most 64 KiB), so a prefix this long gives the
// notice the same text as the whole message would.
constexpr std::size_t notice_quote_bytes = 128 * 1024;

// NOTIFY for the target of an alias: SUCCESS is answered here.
unsigned notify_for_target(unsigned notify) {
    if (notify == 0) return 0;
    const unsigned rest = notify & ~queue::recipient::notify_success;
    return rest == 0 ? queue::recipient::notify_never : rest;
}

// The queued copy: every envelope fact of the message, the planned recipients.
queue::envelope remote_envelope(const queue::envelope& msg, std::vector<queue::recipient> remote) {
    queue::envelope env;
    env.sender = msg.sender;
    env.recipients = std::move(remote);
    env.envid = msg.envid;
    env.ret = msg.ret;
    env.smtputf8 = msg.smtputf8;
    env.eight_bit = msg.eight_bit;
    env.client_address = msg.client_address;
    env.helo = msg.helo;
    env.auth_user = msg.auth_user;
    env.arrived = msg.arrived;
    env.next_attempt = msg.arrived;
    return env;
}

// The local mailboxes of the plan that `size` more octets do not fit.
result<std::vector<std::string>> over_quota(const acceptance_context& ctx, const std::vector<std::string>& mailboxes,
                                            std::uint64_t size) {
    std::vector<std::string> out;
    if (ctx.quotas.mail_root.empty()) return out;
    // No limit anywhere (the directory's answer is cached): nothing to read.
    if (ctx.quotas.default_quota.unlimited()) {
        auto any = ctx.users.has_quota_users();
        if (any && !*any) return out;
    }
    for (const auto& m : mailboxes) {
        auto f = check_quota(ctx.users, ctx.quotas, m, size);
        if (!f && f.error() == errc::not_found) continue;  // delivery says so
        if (!f) return f.error();
        if (*f != quota_fit::fits) out.push_back(m);
    }
    return out;
}

// Moves the mailboxes the message does not fit out of the plan, into its
// queued part (acceptance_context::queue_over_quota), or refuses the
// message: errc::over_quota.
std::error_code apply_quotas(const acceptance_context& ctx, acceptance_plan& plan, std::uint64_t size,
                             std::string_view log_id) {
    auto over = over_quota(ctx, plan.local_mailboxes, size);
    if (!over) return over.error();
    if (over->empty()) return {};
    const bool nobody_else = over->size() == plan.local_mailboxes.size() && plan.remote.empty();
    if (nobody_else || !ctx.queue_over_quota || !ctx.spool) return make_error_code(errc::over_quota);
    for (const auto& m : *over) {
        std::erase(plan.local_mailboxes, m);
        queue::recipient r;
        r.address = m;
        plan.remote.push_back(std::move(r));
        spdlog::info("{} to=<{}> over quota: queued until there is room", log_id, log_field(m));
    }
    return {};
}

}  // namespace

acceptance_context acceptance_context_of(services& svc) {
    acceptance_context ctx{svc.users, &svc.spool, svc.mail_root,   svc.mailbox_commits,
                           svc.clk,   svc.rnd,    svc.cfg.hostname};
    ctx.mailbox_events = svc.mailbox_events;
    ctx.metrics = svc.metrics;
    ctx.quotas = quota_defaults_of(svc);
    ctx.on_stored = svc.on_stored;
    return ctx;
}

quota_defaults quota_defaults_of(const services& svc) {
    return quota_defaults::of(svc.cfg.default_quota_bytes, svc.cfg.default_quota_messages, svc.mail_root);
}

acceptance_plan plan_acceptance(const std::vector<queue::recipient>& recipients,
                                const std::vector<storage::resolution>& where) {
    acceptance_plan plan;
    auto add_local = [&](const std::string& a) {
        if (std::find(plan.local_mailboxes.begin(), plan.local_mailboxes.end(), a) == plan.local_mailboxes.end())
            plan.local_mailboxes.push_back(a);
    };
    auto add_remote = [&](queue::recipient r) {
        auto same = [&](const queue::recipient& q) { return q.address == r.address; };
        if (std::none_of(plan.remote.begin(), plan.remote.end(), same)) plan.remote.push_back(std::move(r));
    };
    for (std::size_t i = 0; i < recipients.size() && i < where.size(); ++i) {
        const auto& given = recipients[i];
        const auto& w = where[i];
        const bool relayed = w.local_mailboxes.empty() && w.remote.size() == 1 && w.remote.front() == given.address;
        if (relayed) {
            queue::recipient r;
            r.address = given.address;
            r.orcpt = given.orcpt;
            r.notify = given.notify;
            add_remote(std::move(r));
            continue;
        }
        plan.answered_here.push_back(i);
        for (const auto& m : w.local_mailboxes) add_local(m);
        for (const auto& t : w.remote) {
            queue::recipient r;
            r.address = t;
            r.orcpt = given.orcpt;
            r.notify = notify_for_target(given.notify);
            add_remote(std::move(r));
        }
    }
    return plan;
}

result<std::vector<storage::resolution>> resolve_recipients(storage::directory& users,
                                                            const std::vector<std::string>& addresses) {
    // Mailbox names are resolved in one read transaction; the rest can
    // only be remote.
    std::vector<bool> mailbox_name;
    std::vector<std::string> resolvable;
    for (const auto& r : addresses) {
        mailbox_name.push_back(static_cast<bool>(storage::canonical_address(r)));
        if (mailbox_name.back()) resolvable.push_back(r);
    }
    auto resolved = users.resolve_all(resolvable);
    if (!resolved) return resolved.error();
    std::vector<storage::resolution> out;
    std::size_t next = 0;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        const auto& r = addresses[i];
        if (mailbox_name[i]) {
            out.push_back(std::move((*resolved)[next++]));
            continue;
        }
        const auto domain = r.substr(r.rfind('@') + 1);
        auto local = is_domain_literal(r) ? result<bool>(false) : users.has_domain(domain);
        if (!local) return local.error();
        if (*local) return make_error_code(errc::invalid_argument);  // as resolve() would say
        storage::resolution res;
        res.remote.push_back(r);
        out.push_back(std::move(res));
    }
    return out;
}

result<accepted> accept_message(const acceptance_context& ctx, const queue::envelope& msg,
                                const queue::message_source& message, std::string_view log_id) {
    std::vector<std::string> addresses;
    for (const auto& r : msg.recipients) addresses.push_back(r.address);
    auto where = resolve_recipients(ctx.users, addresses);
    if (!where) return where.error();
    for (const auto& w : *where)
        if (w.unknown || (w.local_mailboxes.empty() && w.remote.empty())) return make_error_code(errc::not_found);
    auto plan = plan_acceptance(msg.recipients, *where);
    const std::string header = ctx.return_path ? mail::return_path_header(msg.sender) : std::string();
    if (auto ec = apply_quotas(ctx, plan, header.size() + message.size(), log_id)) return ec;

    // Remote recipients go into the durable queue, local mailboxes get the
    // message now; success only when both are on stable storage.
    accepted out;
    if (!plan.remote.empty()) {
        if (!ctx.spool) return make_error_code(errc::unsupported);
        auto env = remote_envelope(msg, std::move(plan.remote));
        auto id = ctx.spool->enqueue(env, message);
        if (!id) return id.error();
        env.id = *id;
        out.queued_as = *id;
        out.to_schedule.push_back(std::move(env));
    }
    if (auto ec = deliver_locally(ctx.mail_root, ctx.mailbox_commits, ctx.mailbox_events, header, plan.local_mailboxes,
                                  message, ctx.on_stored)) {
        // All or nothing: the sender will try again, so the queued copy
        // must go too or the remote recipients get two.
        if (!out.queued_as.empty())
            if (auto rm = ctx.spool->remove(out.queued_as))
                spdlog::error("{} cannot withdraw queued={} error=\"{}\"", log_id, out.queued_as, rm.message());
        return ec;
    }
    if (ctx.metrics)
        for (std::size_t i = 0; i < plan.local_mailboxes.size(); ++i)
            ctx.metrics->delivered(metrics::destination::local, ctx.clk.now() - msg.arrived);

    // NOTIFY=SUCCESS answered here: their "delivered" DSN (RFC 3461
    // §5.2.2). The message is accepted whatever happens now: a notice that
    // cannot be queued is logged, not worth a 451.
    std::vector<queue::recipient> notify;
    for (auto i : plan.answered_here)
        if ((msg.recipients[i].notify & queue::recipient::notify_success) != 0) notify.push_back(msg.recipients[i]);
    if (ctx.success_notices && !notify.empty() && !msg.sender.empty() && ctx.spool) {
        auto delivered = remote_envelope(msg, std::move(notify));
        delivered.id = std::string(log_id);
        // The notice quotes the whole message only up to 50 000 octets, else
        // its header (at most 64 KiB: mail/dsn.hpp): this much tells which.
        auto head = queue::read_head(message, notice_quote_bytes);
        auto queued = head ? queue_delivered_notice(*ctx.spool, ctx.clk, ctx.rnd, ctx.hostname, std::move(delivered),
                                                    *head)
                           : result<std::optional<queue::envelope>>(head.error());
        if (!queued) spdlog::error("{} cannot queue the delivery notice: {}", log_id, queued.error().message());
        else if (*queued) {
            spdlog::info("{} delivery notice queued as {} to=<{}>", log_id, (*queued)->id, log_field(msg.sender));
            out.to_schedule.push_back(std::move(**queued));
        }
    }
    return out;
}

void schedule(delivery::scheduler* outbound, accepted&& a) {
    if (!outbound) return;
    for (auto& env : a.to_schedule) outbound->add(std::move(env));
}

void schedule(services& svc, accepted&& a) { schedule(svc.outbound, std::move(a)); }

}  // namespace mailroom::server
