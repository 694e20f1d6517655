#include "delivery/outcome_decision.hpp"

#include "mail/dsn.hpp"

namespace mailroom::delivery {
namespace {

using queue::recipient;

// RFC 3463 §3.5 X.4.7: "Delivery time expired".
constexpr std::string_view expired_status = "4.4.7";

void expire_pending(queue::envelope& env) {
    for (auto& r : env.recipients) {
        if (r.state != recipient::status::pending) continue;
        r.state = recipient::status::failed;
        r.dsn_status = std::string(expired_status);
        if (r.last_error.empty()) r.last_error = "message expired in the queue before any attempt completed";
    }
}

}  // namespace

attempt_decision decide_after_attempt(queue::envelope& env, const queue::retry_policy& policy,
                                      std::chrono::system_clock::time_point now) {
    attempt_decision d;
    ++env.attempts;
    if (queue::expired(policy, env.arrived, now)) expire_pending(env);

    std::vector<std::size_t> failed, pending, delivered, relayed;
    for (std::size_t i = 0; i < env.recipients.size(); ++i) {
        const auto& r = env.recipients[i];
        if (r.state == recipient::status::pending) {
            pending.push_back(i);
            continue;
        }
        if (r.reported) continue;
        d.settled.push_back(i);
        if (r.state == recipient::status::failed) failed.push_back(i);
        else if (r.success_notice == recipient::success_kind::delivered) delivered.push_back(i);
        else if (r.success_notice == recipient::success_kind::relayed) relayed.push_back(i);
    }
    // recipients_to_report applies NOTIFY and the null sender rule.
    d.bounce = mail::recipients_to_report(env, mail::dsn_kind::failure, failed);
    if (env.sender.empty()) d.dropped = failed;
    d.delivered_notices = mail::recipients_to_report(env, mail::dsn_kind::delivered, delivered);
    d.relayed_notices = mail::recipients_to_report(env, mail::dsn_kind::relayed, relayed);

    d.finished = pending.empty();
    if (d.finished) return d;
    if (queue::should_warn_delay(policy, env.arrived, now, env.delay_warned)) {
        d.delay_warning_due = true;
        d.warn_delay = mail::recipients_to_report(env, mail::dsn_kind::delay, pending);
    }
    env.next_attempt = queue::next_attempt(policy, env.arrived, env.attempts, now);
    d.next_attempt = env.next_attempt;
    return d;
}

void mark_notices_queued(queue::envelope& env, const attempt_decision& d) {
    for (const auto i : d.settled)
        if (i < env.recipients.size()) env.recipients[i].reported = true;
    if (d.delay_warning_due) env.delay_warned = true;
}

}  // namespace mailroom::delivery
