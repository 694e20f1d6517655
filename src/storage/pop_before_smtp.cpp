#include "storage/pop_before_smtp.hpp"

namespace mailroom::storage {

void pop_before_smtp::record(const std::string& ip, time_point now) {
    std::lock_guard lock(mu_);
    expire(now);
    last_login_[ip] = now;
}

bool pop_before_smtp::allowed(const std::string& ip, time_point now) const {
    std::lock_guard lock(mu_);
    auto it = last_login_.find(ip);
    // A login stamped later than now (the clock stepped back) counts as
    // recent: refusing a user who has just logged in would be the worse error.
    return it != last_login_.end() && now - it->second <= window_;
}

void pop_before_smtp::expire(time_point now) {
    // Called with mu_ held; bounded work per record() on average.
    for (auto it = last_login_.begin(); it != last_login_.end();)
        it = now - it->second > window_ ? last_login_.erase(it) : std::next(it);
}

}  // namespace mailroom::storage
