#include "http/ops_handlers.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace mailroom::http {

void add_ops_routes(router& routes, metrics::registry& metrics, health_check health) {
    routes.add(bhttp::verb::get, "/metrics", [&metrics](request_context& ctx) -> boost::asio::awaitable<response> {
        co_return make_response(ctx.req, bhttp::status::ok, metrics.render(std::chrono::system_clock::now()),
                                prometheus_content_type);
    });
    routes.add(bhttp::verb::get, "/healthz",
               [health = std::move(health)](request_context& ctx) -> boost::asio::awaitable<response> {
                   const auto problems = health ? health() : std::vector<std::string>{};
                   if (problems.empty()) co_return make_response(ctx.req, bhttp::status::ok, "ok\n");
                   std::string body;
                   for (const auto& p : problems) body += p + "\n";
                   spdlog::warn("healthz unhealthy reasons={}", problems.size());
                   co_return make_response(ctx.req, bhttp::status::service_unavailable, std::move(body));
               });
}

}  // namespace mailroom::http
