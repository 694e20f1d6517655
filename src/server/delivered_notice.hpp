// server::delivered_notice: the "delivered" DSN (RFC 3461 §5.2.2, RFC 3464
// Action: delivered) for recipients that asked NOTIFY=SUCCESS and got the
// message in a local mailbox at SMTP acceptance. Mail delivered later from
// the queue gets its notices from the scheduler (outcome_decision.hpp); this
// covers the path that never touches the queue. The notice is queued like
// any mail, from the null sender. Called by server::accept_message.
// Blocking (spool): storage pool only.
#pragma once

#include <optional>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "queue/envelope.hpp"
#include "queue/spool.hpp"

namespace mailroom::server {

// `delivered` holds the message's envelope facts (sender, ENVID, RET,
// SMTPUTF8) and the recipients just delivered here with their NOTIFY and
// ORCPT. Returns the queued notice's envelope (id set) for the scheduler,
// nullopt when nobody asked (or the sender is null).
// `hostname` is the Reporting-MTA.
result<std::optional<queue::envelope>> queue_delivered_notice(queue::spool& spool, const clock& clk, random_source& rnd,
                                                              std::string_view hostname, queue::envelope delivered,
                                                              std::string_view message);

}  // namespace mailroom::server
