// server::local_delivery: final delivery of an accepted message into the
// Maildir of each local recipient (store::maildir::maildir_store),
// with the Return-Path: the caller made (RFC 5321 §4.4). Durable when it returns: the
// copies are staged in each tmp/ and committed through
// one shared group commit, so concurrent sessions share their fsyncs.
// Called by server::accept_message (acceptance.hpp).
// Blocking: storage pool only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "durable/group_commit.hpp"
#include "queue/message_source.hpp"
#include "store/change_bus.hpp"

namespace mailroom::server {

// Called once per mailbox copy, after the commit: the recipient's canonical
// address, the stored file and its UID in INBOX (0: given at the next sync).
using stored_hook =
    std::function<void(const std::string& mailbox, const std::filesystem::path& file, std::uint32_t uid)>;

// Delivers to every recipient (canonical local addresses), all or none:
// on error no mailbox keeps a copy.
// `mail_root` is DATA/mail; `commits` the shared group commit; `events`
// (may be null) is told of each mailbox that got a copy; `header`
// is put before the message (its Return-Path:, or ""). The message is
// copied piece by piece into each mailbox's tmp/ (memory stays bounded).
// `on_stored` (may be null) is told of each copy once durable.
std::error_code deliver_locally(const std::filesystem::path& mail_root, durable::group_commit& commits,
                                store::change_bus* events, std::string_view header,
                                const std::vector<std::string>& recipients, const queue::message_source& message,
                                const stored_hook* on_stored = nullptr);

// A new queue id: 16 lower-case hex digits, unique in this process and
// unlikely to repeat across restarts (time, counter, random).
std::string new_queue_id(const clock& clk, random_source& rnd);

}  // namespace mailroom::server
