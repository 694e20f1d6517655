// storage::pop_before_smtp: client IP addresses that logged in over POP3
// recently. The POP3 service records; the SMTP service (later) asks whether
// an address may relay. In memory, shared between threads, entries expire.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mailroom::storage {

class pop_before_smtp {
public:
    using time_point = std::chrono::system_clock::time_point;
    explicit pop_before_smtp(std::chrono::seconds window) : window_(window) {}

    void record(const std::string& ip, time_point now);
    bool allowed(const std::string& ip, time_point now) const;  // within the window
    std::chrono::seconds window() const {
        std::lock_guard lock(mu_);
        return window_;
    }
    // A reload's pop_before_smtp_window: logins already recorded count
    // against the new window.
    void set_window(std::chrono::seconds window) {
        std::lock_guard lock(mu_);
        window_ = window;
    }

private:
    void expire(time_point now);  // drops stale entries (called by record)
    std::chrono::seconds window_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, time_point> last_login_;
};

}  // namespace mailroom::storage
