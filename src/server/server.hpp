// server::run: starts mailroom from a validated configuration - data
// directory, TLS certificate, user directory, listeners - and serves until
// SIGINT/SIGTERM. Prints one "listening ..." line per listener and then
// "ready pid=N" on stdout (scripts wait for it); logs go to stderr.
#pragma once

#include "config/settings.hpp"

namespace mailroom::server {

// Returns the process exit code; throws std::runtime_error for a startup
// failure (port taken, unreadable certificate, database error).
int run(config::settings cfg);

// Paths inside the data directory (DESIGN.md "Storage and durability").
std::filesystem::path database_path(const config::settings& cfg);
std::filesystem::path mail_root(const config::settings& cfg);

}  // namespace mailroom::server
