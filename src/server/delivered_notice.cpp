#include "server/delivered_notice.hpp"

#include <numeric>
#include <vector>

#include "delivery/bounce_envelope.hpp"
#include "delivery/outcome_recording.hpp"
#include "mail/dsn.hpp"
#include "queue/spool.hpp"

namespace mailroom::server {

result<std::optional<queue::envelope>> queue_delivered_notice(queue::spool& spool, const clock& clk, random_source& rnd,
                                                              std::string_view hostname, queue::envelope delivered,
                                                              std::string_view message) {
    std::vector<std::size_t> all(delivered.recipients.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    const auto now = clk.now();
    delivery::record_local_delivery(delivered, all, now);
    // NOTIFY=SUCCESS only; the null sender never gets one.
    mail::dsn_request req;
    req.reporting_mta = std::string(hostname);
    req.kind = mail::dsn_kind::delivered;
    req.recipients = mail::recipients_to_report(delivered, mail::dsn_kind::delivered, all);
    req.now = now;
    if (req.recipients.empty()) return std::optional<queue::envelope>();
    auto dsn = mail::compose_dsn(req, delivered, message, rnd);
    if (!dsn) return std::optional<queue::envelope>();
    auto env = delivery::make_dsn_envelope(delivered, *dsn, hostname, now);
    if (!env) return std::optional<queue::envelope>();
    auto id = spool.enqueue(*env, dsn->bytes);
    if (!id) return id.error();
    env->id = *id;
    return env;
}

}  // namespace mailroom::server
