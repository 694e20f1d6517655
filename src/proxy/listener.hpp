// proxy::proxy_set: the [[proxy]] entries of one process on a caller's
// io_context - one plaintext listener per entry (loopback unless the entry
// allows otherwise), each held to its connection limits, every accepted
// connection served with the entry's protocol (SMTP: proxy/smtp_relay.hpp;
// POP3: proxy/pop3_relay.hpp). Used by run_proxies (`mailroom proxy`,
// src/cli/proxy.cpp) and by `mailroom serve` (src/server/server.cpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/proxy_settings.hpp"

namespace mailroom::auth {
class sasl_context;
}

namespace mailroom::proxy {

struct run_options {
    bool trace = false;              // upstream dialogues on stderr, secrets masked
    std::filesystem::path temp_dir;  // large SMTP messages on their way; empty: $TMPDIR or /tmp
};

class proxy_set {
public:
    struct bound {
        const config::proxy_entry* entry;  // the set's own copy
        boost::asio::ip::tcp::endpoint endpoint;
    };

    // Opens every entry's listener and starts accepting on io. sasl may be
    // null (then an entry with a local login is refused). std::runtime_error
    // when an entry cannot run (a bad entry, a listener that cannot be
    // bound, a CA file that cannot be read); then nothing listens.
    proxy_set(boost::asio::io_context& io, const std::vector<config::proxy_entry>& entries, const run_options& opt,
              auth::sasl_context* sasl);
    ~proxy_set();  // stops and joins the worker pool; call with io no longer running
    proxy_set(const proxy_set&) = delete;
    proxy_set& operator=(const proxy_set&) = delete;

    const std::vector<bound>& listening() const noexcept;
    // Closes the listeners. Sessions in flight go on until io stops (then
    // they are cut: an unanswered device retries, a POP3 program that
    // sent no QUIT deleted nothing).
    void stop();
    unsigned sessions() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The "listening" line of one entry, as `mailroom proxy` prints it.
std::string listening_line(const proxy_set::bound& b);

// `mailroom proxy`: a proxy_set on its own io_context, one listening line
// per entry on stdout once all are open. Blocks until a stop signal. std::runtime_error when an entry cannot run
// (a listener that cannot be bound, a CA file that cannot be read); then
// nothing listens.
void run_proxies(const std::vector<config::proxy_entry>& entries, const run_options& opt);

}  // namespace mailroom::proxy
