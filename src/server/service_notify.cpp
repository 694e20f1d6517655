#include "server/service_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace mailroom::server {
namespace {

void send(const std::string& state) {
    // unset_environment 0: a reload or stop later needs the socket again.
    const int rc = ::sd_notify(0, state.c_str());
    if (rc < 0) spdlog::warn("sd_notify failed state=\"{}\" error={}", state, -rc);
}

}  // namespace

void notify_ready() { send("READY=1"); }

void notify_reloading() {
    // systemd 253+ wants the reload's start time with RELOADING=1
    // (sd_notify(3), Type=notify-reload); older ones ignore it.
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
                      static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_stopping() { send("STOPPING=1"); }

void notify_status(std::string_view text) { send("STATUS=" + std::string(text)); }

}  // namespace mailroom::server
