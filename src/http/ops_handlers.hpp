// http::ops_handlers: the operations routes of the HTTP listener -
// GET /metrics (the registry in the Prometheus text format) and GET /healthz
// (200 "ok", or 503 with the reasons the health check gives). Added to the
// router by server::ops_http; the health check itself is the server's.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace mailroom::http {

// Every reason the server is not healthy now; empty: healthy. Called on
// the event loop for each /healthz request: must not block for long.
using health_check = std::function<std::vector<std::string>()>;

// `metrics` and `health` must outlive the router.
void add_ops_routes(router& routes, metrics::registry& metrics, health_check health);

// Prometheus text exposition format 0.0.4.
inline constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace mailroom::http
