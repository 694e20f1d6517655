// server::acceptance: the one acceptance transaction - "take this message
// for these recipients": aliases planned, the remote part queued, the local
// part delivered through group commit, the queued copy withdrawn if the local
// part fails, NOTIFY=SUCCESS "delivered" notices queued. Called by the SMTP
// driver, by outbound delivery for local recipients met in the queue, and
// by `mailroom inject`. Blocking (SQLite, spool, Maildir): storage pool.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "durable/group_commit.hpp"
#include "queue/envelope.hpp"
#include "queue/message_source.hpp"
#include "queue/spool.hpp"
#include "server/local_delivery.hpp"
#include "server/quota_check.hpp"
#include "storage/directory.hpp"
#include "store/change_bus.hpp"

namespace mailroom::delivery {
class scheduler;
}
namespace mailroom::metrics {
class registry;
}

namespace mailroom::server {

struct services;

// What the transaction uses, and nothing else.
struct acceptance_context {
    storage::directory& users;
    queue::spool* spool;  // nullptr: nothing may be queued (mailroom inject)
    const std::filesystem::path& mail_root;
    durable::group_commit& mailbox_commits;
    const clock& clk;
    random_source& rnd;
    std::string_view hostname;  // Reporting-MTA of the notices
    // false: the caller reports success itself (the scheduler, for mail
    // met in the queue), so no "delivered" notice is queued here.
    bool success_notices = true;
    // false: local copies are stored as given, without Return-Path
    // (mailroom inject without --sender: there is no envelope sender).
    bool return_path = true;
    // Told of every delivery (open sessions of the mailbox); may be null.
    store::change_bus* mailbox_events = nullptr;
    // Local deliveries counted for /metrics; nullptr for the scheduler's
    // (it counts them with the rest of its round).
    metrics::registry* metrics = nullptr;
    // Quotas of the local mailboxes (no mail root: none checked).
    quota_defaults quotas{};
    // A local mailbox the message does not fit (quota_check.hpp), while
    // others take it: true, its copy is queued and delivered once there is
    // room (deferred with 4.2.2, bounced at the queue's lifetime, as Postfix
    // does with a full mailbox); false (the queue's own local delivery),
    // the whole acceptance fails with errc::over_quota. A message that fits
    // none of its recipients fails either way (SMTP: 552 5.2.2 at end of
    // data, RFC 3463).
    bool queue_over_quota = true;
    // Told of every local copy stored (local_delivery.hpp); may be null.
    const stored_hook* on_stored = nullptr;
};
acceptance_context acceptance_context_of(services& svc);
// The configured default_quota and the mail root, for quota checks.
quota_defaults quota_defaults_of(const services& svc);

// The recipients of a message once their aliases are known. Targets of an
// alias keep the recipient's ORCPT and NOTIFY, less SUCCESS (NEVER when
// nothing is left): the alias is the last step this host sees, so the
// success notice is ours ("delivered here", as for a local mailbox) and a
// second one from downstream would repeat it. Envelope options (ENVID, RET,
// SMTPUTF8, BODY=8BITMIME, sender) stay with every queued copy. Duplicates
// are removed, the first occurrence kept.
struct acceptance_plan {
    std::vector<std::string> local_mailboxes;
    std::vector<queue::recipient> remote;
    // Indexes into the message's recipients whose "delivered" notice (if
    // they asked NOTIFY=SUCCESS) is ours: delivered here or aliased.
    std::vector<std::size_t> answered_here;
};
// `where[i]` is the resolution of `recipients[i]`; a recipient that is
// relayed as it is has remote == {its own address}.
acceptance_plan plan_acceptance(const std::vector<queue::recipient>& recipients,
                                const std::vector<storage::resolution>& where);

// Every address resolved in one read transaction; names no local mailbox
// can have (domain literals, quoted local parts) are remote as they are,
// unless their domain is ours (errc::invalid_argument).
result<std::vector<storage::resolution>> resolve_recipients(storage::directory& users,
                                                            const std::vector<std::string>& addresses);

struct accepted {
    std::string queued_as;                     // "" when nothing was queued
    std::vector<queue::envelope> to_schedule;  // queued copy and notices, for outbound delivery
};

// `msg` holds the envelope facts (sender, DSN options, SMTPUTF8, 8BITMIME,
// client, HELO, user, arrival) and the recipients as given, addresses
// canonical; `message` the content with its trace fields (Return-Path is
// added for local mailboxes). All or nothing: on error no mailbox keeps a
// copy and nothing stays queued. errc::not_found when a recipient leads
// nowhere, errc::unsupported when remote recipients come without a spool.
// `log_id` names the message in log lines.
// `message` is read piece by piece, once for the queue and once for each
// mailbox, so it may be a staged file of any size.
result<accepted> accept_message(const acceptance_context& ctx, const queue::envelope& msg,
                                const queue::message_source& message, std::string_view log_id);
inline result<accepted> accept_message(const acceptance_context& ctx, const queue::envelope& msg,
                                       std::string_view message, std::string_view log_id) {
    return accept_message(ctx, msg, queue::memory_source(message), log_id);
}

// Hands what accept_message queued to outbound delivery (if running).
void schedule(delivery::scheduler* outbound, accepted&& a);
void schedule(services& svc, accepted&& a);

}  // namespace mailroom::server
