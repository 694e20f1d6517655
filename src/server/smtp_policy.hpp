// server::smtp_policy: the answers to the SMTP engine's policy questions -
// may this sender be used, may this recipient be accepted (local mailbox,
// or relaying for an authenticated, POP-before-SMTP or trusted client).
// Blocking (SQLite): called on the worker pool.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

#include "proto/smtp/server_session.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

struct client_facts {
    std::string address;     // peer IP
    std::string auth_user;   // canonical, "" when not authenticated
    bool submission = false; // the listener is a submission one
};

// Submission: the sender must be the authenticated user or an alias that
// lists the user (RFC 6409 §8.1); the null sender is nobody's. Receiving:
// any well-formed sender.
smtp::verdict check_sender(services& svc, const client_facts& c, std::string_view sender);

// Local domains: a user, alias or catch-all (550 5.1.1 otherwise). Other
// domains: relaying, allowed only to authenticated, POP-before-SMTP or
// trusted clients (554 5.7.1 otherwise: no open relay).
smtp::verdict check_recipient(services& svc, const network_list& trusted, const client_facts& c,
                              std::string_view recipient);

// Where an accepted message goes: aliases expanded (userdb::resolve),
// duplicates removed. Remote addresses wait in the queue for outbound
// delivery (issue #4).
struct delivery_plan {
    std::vector<std::string> local_mailboxes;
    std::vector<std::string> remote;
};
result<delivery_plan> plan_delivery(services& svc, const std::vector<std::string>& recipients);

}  // namespace mailroom::server
