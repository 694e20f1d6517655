#include "server/ops_http.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "http/ops_handlers.hpp"
#include "server/server.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

// Why `dir` cannot take a new file now, or "" when it can. access(2) sees
// permissions and read-only mounts; statvfs(3) a full disk or inode table.
std::string unwritable(const std::filesystem::path& dir) {
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return fmt::format("{} is not writable: {}", dir.string(), std::strerror(errno));
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) return fmt::format("{}: statvfs: {}", dir.string(), std::strerror(errno));
    if (fs.f_bavail == 0) return fmt::format("{}: file system full", dir.string());
    if (fs.f_files != 0 && fs.f_favail == 0) return fmt::format("{}: no free inodes", dir.string());
    return {};
}

std::string host_port(const asio::ip::tcp::endpoint& ep) {
    return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

std::vector<std::string> health_problems(const std::vector<std::string>& closed_listeners,
                                         const std::vector<std::filesystem::path>& dirs) {
    std::vector<std::string> out;
    for (const auto& name : closed_listeners) out.push_back("listener " + name + " is closed");
    for (const auto& d : dirs)
        if (auto why = unwritable(d); !why.empty()) out.push_back(std::move(why));
    return out;
}

ops_http::ops_http(asio::io_context& io, const config::settings& cfg, metrics::registry& metrics,
                   const listener_set& listeners, delivery::scheduler& outbound)
    : io_(io), metrics_(metrics), http_(cfg.http) {
    // Called by render() on this io_context, the scheduler's thread.
    metrics.set_queue_probe([&outbound] {
        return metrics::queue_snapshot{outbound.queued(), outbound.oldest_arrival()};
    });
    std::vector<std::filesystem::path> dirs{cfg.data_dir / "queue", mail_root(cfg)};
    http::add_ops_routes(routes_, metrics,
                         [&listeners, dirs = std::move(dirs)] { return health_problems(listeners.closed(), dirs); });
    if (!http_.enabled) return;
    listener_ = open(http_);
    start_listener();
}

std::unique_ptr<http::listener> ops_http::open(const config::http_settings& at) {
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(at.address, ec);
    if (ec) throw std::runtime_error("[http]: bad address " + at.address);  // validated: a bug
    auto l = std::make_unique<http::listener>(io_.get_executor(), asio::ip::tcp::endpoint(addr, at.port), routes_,
                                              at.limits, [m = &metrics_](unsigned status) { m->http_request(status); });
    return l;
}

void ops_http::start_listener() {
    const auto where = host_port(listener_->local_endpoint());
    // The protocol listeners' format, which scripts and the tests parse.
    std::printf("listening http %s tls=none plaintext_auth=no\n", where.c_str());
    std::fflush(stdout);
    spdlog::info("listening name=http address={} routes=/metrics,/healthz", where);
    listener_->start();
}

std::function<void()> ops_http::prepare_reload(const config::settings& cfg) {
    const auto& now = cfg.http;
    const bool same_socket = now.enabled == http_.enabled && now.address == http_.address && now.port == http_.port;
    if (same_socket) {
        return [this, now] {
            if (listener_) listener_->set_limits(now.limits);
            http_ = now;
        };
    }
    // Bound now, so that a port in use refuses the reload; accepting only
    // once every part of the reload has been accepted.
    std::shared_ptr<http::listener> opened;
    if (now.enabled) opened = open(now);
    return [this, now, opened]() mutable {
        if (listener_) {
            listener_->close();
            spdlog::info("closed name=http");
            retired_.push_back(std::move(listener_));  // its connections may still use it
        }
        listener_ = std::move(opened);
        if (listener_) start_listener();
        http_ = now;
    };
}

void ops_http::close() {
    if (listener_) listener_->close();
}

}  // namespace mailroom::server
