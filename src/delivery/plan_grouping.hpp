// delivery::plan_grouping: which queued recipients go out together, and the
// message the SMTP client engine is handed for them. Pure: no I/O, no DNS;
// the outbound scheduler routes each group (one SMTP transaction per
// recipient domain, as Postfix and OpenSMTPD do) and calls these.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "proto/smtp/client/outgoing_message.hpp"
#include "queue/envelope.hpp"

namespace mailroom::delivery {

struct domain_group {
    std::string domain;                // lower-case ASCII; UTF-8 (IDNA) bytes left alone
    std::vector<std::size_t> indexes;  // into envelope.recipients, ascending
};

// The pending recipients of env grouped by the domain after their last '@',
// compared without ASCII case (RFC 5321 §2.4: domains are case-insensitive);
// groups sorted by domain. A recipient without '@' forms the group "" which
// no route can serve: the scheduler records a local failure for it.
std::vector<domain_group> pending_by_domain(const queue::envelope& env);

// The transfer of env's recipients at `indexes` (out-of-range ones
// skipped) with `content`, the queued message as spool::read_message
// returns it. The spool keeps the bytes exactly as received after DATA:
// CRLF lines, dot-stuffing already removed (smtp::data_decoder), which is
// what outgoing_message::content expects, so they are passed on unchanged.
smtp::client::outgoing_message to_outgoing(const queue::envelope& env, const std::vector<std::size_t>& indexes,
                                           std::string content);

}  // namespace mailroom::delivery
