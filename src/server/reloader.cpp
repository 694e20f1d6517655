#include "server/reloader.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "common/errors.hpp"
#include "server/service_notify.hpp"

namespace mailroom::server {
namespace {

// What only a restart can change: where the data is, and who owns it (the
// privileges are gone by now).
void check_fixed(const config::settings& was, const config::settings& now) {
    const auto refuse = [](const std::string& key) {
        throw std::runtime_error("'" + key + "' cannot change on reload: restart the server for it");
    };
    if (was.data_dir != now.data_dir) refuse("data_dir");
    if (was.user != now.user) refuse("user");
    if (was.group != now.group) refuse("group");
}

}  // namespace

queue::control_reply reloader::reload() {
    notify_reloading();
    spdlog::info("reloading");
    queue::control_reply reply;
    try {
        if (!source_) throw std::runtime_error("this server was started without a way to read its configuration again");
        auto cfg = source_();
        check_fixed(current_->cfg, cfg);
        auto tls = load_tls(cfg);
        for (const auto& d : cfg.domains) {
            auto ec = users_.add_domain(d);
            if (ec && ec != errc::already_exists)
                throw std::runtime_error("cannot add domain " + d + ": " + ec.message());
        }
        auto next = std::make_shared<const generation>(std::move(cfg), std::move(tls), parts_,
                                                       current_->svc.next_session.load());
        // Every step prepares, then the listeners open: any of them may
        // refuse. Only then does anything change.
        std::vector<std::function<void()>> commits;
        for (const auto& step : steps_) commits.push_back(step(next));
        listeners_.apply(next);
        for (auto& commit : commits) commit();
        current_ = std::move(next);
        spdlog::set_level(spdlog::level::from_str(current_->cfg.log_level));
        const auto n = current_->cfg.listeners.size();
        spdlog::info("reloaded listeners={} certificate={}", n, current_->cfg.tls_cert.string());
        reply = {true, "configuration reloaded: " + std::to_string(n) + " listener" + (n == 1 ? "" : "s")};
    } catch (const std::exception& e) {
        // One line for the log and the control reply: the loader's list of
        // errors comes one per line.
        std::string why = e.what();
        for (auto at = why.find('\n'); at != std::string::npos; at = why.find('\n', at)) why.replace(at, 1, " ");
        spdlog::error("reload refused, the running configuration stays error=\"{}\"", why);
        reply = {false, "reload refused, the running configuration stays: " + why};
    }
    notify_ready();
    return reply;
}

}  // namespace mailroom::server
