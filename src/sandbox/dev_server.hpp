// sandbox::run_dev: `mailroom dev` (src/cli/dev.cpp calls it). Starts every
// listener of the sandbox on a catch-all directory (catch_all_directory.hpp)
// with any login accepted (any_login.hpp) or the --users file's, no outbound
// delivery, the HTTP listener with the dev routes, prints one JSON line of
// ports on stdout, serves until SIGINT/SIGTERM, then removes a temporary
// data directory unless --keep.
#pragma once

#include "sandbox/dev_settings.hpp"

namespace mailroom::sandbox {

// Returns the exit code: 0 after a stop by signal, 2 for a bad option,
// --config, --users or --faults file (the reasons on stderr). Throws
// std::runtime_error for a start-up failure (a port taken, ...).
int run_dev(const dev_options& o);

}  // namespace mailroom::sandbox
