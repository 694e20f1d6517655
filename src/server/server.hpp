// server::run: starts mailroom from a validated configuration - data
// directory, TLS certificate, listeners, then (started as root with
// `user`) the privilege drop, user directory and queue - and serves until
// SIGINT/SIGTERM (a graceful stop), re-reading the configuration on SIGHUP
// and `mailroom reload`. Prints one "listening ..." line per listener and
// then "ready pid=N" on stdout (scripts wait for it); logs go to stderr.
#pragma once

#include <functional>

#include "config/settings.hpp"

namespace mailroom::server {

// Returns the process exit code; throws std::runtime_error for a startup
// failure (port taken, unreadable certificate, database error, root
// without `user` on a port below 1024). `reread` reads the configuration
// again for a reload (throwing with the errors); empty: reload refused.
int run(config::settings cfg, std::function<config::settings()> reread = {});

// Paths inside the data directory (DESIGN.md "Storage and durability").
std::filesystem::path database_path(const config::settings& cfg);
std::filesystem::path mail_root(const config::settings& cfg);

}  // namespace mailroom::server
