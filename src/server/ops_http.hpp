// server::ops_http: the HTTP listener of a running server ([http], on by
// default at 127.0.0.1:8025) with its operations routes: /metrics from the
// server's registry, its queue gauges from the scheduler; /healthz from the
// protocol listeners (all open) and the data directory (queue and
// mailboxes writable, not full). Built by server::run once the listeners
// and outbound delivery exist; prints one "listening http ..." line like
// theirs. The sandbox's routes (issue #14) join the same router.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "delivery/scheduler.hpp"
#include "http/listener.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"
#include "server/listener_loop.hpp"

namespace mailroom::server {

// The reasons /healthz gives: every protocol listener whose socket is
// closed, and every directory of `dirs` that cannot be written or whose
// file system is full.
std::vector<std::string> health_problems(const std::vector<std::string>& closed_listeners,
                                         const std::vector<std::filesystem::path>& dirs);

class ops_http {
public:
    // Listens unless cfg.http.enabled is false; throws std::runtime_error
    // when it cannot. Everything given must outlive this object, and this
    // object the io_context's run.
    ops_http(boost::asio::io_context& io, const config::settings& cfg, metrics::registry& metrics,
             const listener_set& listeners, delivery::scheduler& outbound);
    ops_http(const ops_http&) = delete;
    ops_http& operator=(const ops_http&) = delete;

    // Stops accepting (graceful stop); answers in progress finish.
    void close();

    // A reload's [http] (server/reloader.hpp): a new address or port is
    // bound now - throwing std::runtime_error when it cannot, which refuses
    // the reload - and the returned function puts it in force: the old
    // socket closes (its connections finish) and the new one accepts. The
    // same address and port: the new limits count from then on.
    std::function<void()> prepare_reload(const config::settings& cfg);

private:
    std::unique_ptr<http::listener> open(const config::http_settings& at);
    void start_listener();  // prints its "listening http" line and accepts

    boost::asio::io_context& io_;
    metrics::registry& metrics_;
    config::http_settings http_;  // in force
    http::router routes_;
    std::shared_ptr<http::listener> listener_;
    // Closed by a reload; kept until the server ends, as their connections
    // refer to them.
    std::vector<std::shared_ptr<http::listener>> retired_;
};

}  // namespace mailroom::server
