// fetch::make_local_sink: local:ADDRESS for `mailroom pop3|imap fetch`:
// each message goes into a mailroom mailbox through the same acceptance
// transaction as SMTP and `mailroom inject` (server::accept_message:
// aliases, group commit, durable when it returns). Its UID journals live in
// DATA/fetch-state/. Made by the CLI, which opens the user directory.
#pragma once

#include <memory>
#include <string>

#include "config/settings.hpp"
#include "fetch/sink.hpp"
#include "storage/directory.hpp"

namespace mailroom::fetch {

// Throws std::runtime_error when the address is not a valid local one.
std::unique_ptr<sink> make_local_sink(const config::settings& cfg, std::unique_ptr<storage::directory> users,
                                      const std::string& address);

}  // namespace mailroom::fetch
