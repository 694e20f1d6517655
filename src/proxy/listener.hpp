// proxy::run_proxies: `mailroom proxy` - opens one plaintext listener per
// entry (loopback unless the entry allows otherwise), holds each to its
// connection limits, and serves every accepted connection with the
// entry's protocol (SMTP: proxy/smtp_relay.hpp; POP3: proxy/pop3_relay.hpp).
// Prints one "listening" line per entry on stdout once all are open, runs
// until SIGINT or SIGTERM. Called by src/cli/proxy.cpp.
#pragma once

#include <filesystem>
#include <vector>

#include "config/proxy_settings.hpp"

namespace mailroom::proxy {

struct run_options {
    bool trace = false;              // upstream dialogues on stderr, secrets masked
    std::filesystem::path temp_dir;  // large SMTP messages on their way; empty: $TMPDIR or /tmp
};

// Blocks until a stop signal. std::runtime_error when an entry cannot run
// (a listener that cannot be bound, a CA file that cannot be read); then
// nothing listens.
void run_proxies(const std::vector<config::proxy_entry>& entries, const run_options& opt);

}  // namespace mailroom::proxy
