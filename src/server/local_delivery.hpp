// server::local_delivery: final delivery of an accepted message into the
// Maildir of each local recipient (storage::maildir, as `mailroom inject`),
// with Return-Path: prepended (RFC 5321 §4.4). Durable when it returns: the
// copies are staged in each tmp/ and committed through
// services::mailbox_commits, so concurrent sessions share their fsyncs.
// Blocking: storage pool only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "server/services.hpp"

namespace mailroom::server {

// Delivers to every recipient (canonical local addresses), all or none:
// on error no mailbox keeps a copy.
std::error_code deliver_locally(services& svc, std::string_view sender, const std::vector<std::string>& recipients,
                                std::string_view message);

// A new queue id: 16 lower-case hex digits, unique in this process and
// unlikely to repeat across restarts (time, counter, random).
std::string new_queue_id(services& svc);

}  // namespace mailroom::server
