// server::smtp_policy: the answers to the SMTP engine's policy questions -
// may this sender be used, may this recipient be accepted (local mailbox,
// or relaying for an authenticated, POP-before-SMTP or trusted client).
// Blocking (SQLite): called on the worker pool, except the _now form.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

#include "common/clock.hpp"
#include "proto/smtp/server_session.hpp"
#include "server/networks.hpp"
#include "server/quota_check.hpp"
#include "storage/directory.hpp"
#include "storage/pop_before_smtp.hpp"

namespace mailroom::server {

// What the answers look up, and nothing more.
struct policy_services {
    storage::directory& users;
    storage::pop_before_smtp& pop_before_smtp;
    const clock& clk;
    quota_defaults quotas{};  // no mail root: quotas not checked at RCPT
};

struct client_facts {
    std::string address;           // peer IP
    std::string auth_user;         // canonical, "" when not authenticated
    bool submission = false;       // the listener is a submission one
    bool pop_before_smtp = false;  // the listener lets a recent POP3 login relay
};

// Submission: the sender must be the authenticated user or an alias that
// lists the user (RFC 6409 §8.1); the null sender is nobody's. Receiving:
// any well-formed sender.
smtp::verdict check_sender(const policy_services& svc, const client_facts& c, std::string_view sender);
// Whether check_sender asks the user directory (blocking, worker pool): only
// for a submission client naming a sender; otherwise it answers at once.
bool sender_check_needs_directory(const client_facts& c, std::string_view sender);

// Local domains: a user, alias or catch-all (550 5.1.1 otherwise); a
// recipient whose every mailbox is full gets 452 4.2.2, one that the
// message's declared SIZE (RFC 1870, 0: none) does not fit 552 5.2.2 (RFC
// 3463; a recipient with remote targets too is always taken, its full
// mailboxes are handled at end of data). Other domains: relaying, allowed
// only to authenticated, POP-before-SMTP or trusted clients (554 5.7.1
// otherwise: no open relay).
smtp::verdict check_recipient(const policy_services& svc, const network_list& trusted, const client_facts& c,
                              std::string_view recipient, std::uint64_t declared_size = 0);
// The same answer without blocking (userdb::resolve_now), for the event
// loop; nullopt when it cannot be had at once (or a quota may apply to a
// local mailbox: its usage is a file to read): then call check_recipient
// on the worker pool.
std::optional<smtp::verdict> check_recipient_now(const policy_services& svc, const network_list& trusted,
                                                 const client_facts& c, std::string_view recipient);

}  // namespace mailroom::server
