#include "proto/common/login_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace mailroom::proto {

login_throttle::verdict login_throttle::failed() {
    ++failures_;
    auto delay = lim_.delay;
    for (unsigned i = 1; i < failures_ && delay < lim_.max_delay; ++i) delay *= 2;
    delay = std::min(delay, lim_.max_delay);
    return {std::max(delay, std::chrono::milliseconds(0)), failures_ >= lim_.max_failures};
}

double address_penalty::failures_at(const entry& e, time_point now) const {
    const auto since = std::chrono::duration<double>(now - e.last).count();
    const double forgotten = since > 0 ? since / std::chrono::duration<double>(lim_.decay).count() : 0;
    return std::max(0.0, e.failures - forgotten);
}

void address_penalty::failed(const std::string& address, time_point now) {
    if (lim_.delay.count() <= 0) return;
    auto it = by_address_.find(address);
    if (it == by_address_.end()) {
        make_room(now);
        it = by_address_.emplace(address, entry{0, now}).first;
    }
    // Bounded: more failures than needed for the maximum delay add nothing
    // but the time it takes to forget them.
    constexpr double most = 64;
    it->second.failures = std::min(most, failures_at(it->second, now) + 1);
    it->second.last = now;
}

std::chrono::milliseconds address_penalty::delay(const std::string& address, time_point now) const {
    const auto it = by_address_.find(address);
    if (it == by_address_.end()) return std::chrono::milliseconds(0);
    // A part of a failure not yet forgotten still counts as one.
    const auto n = static_cast<unsigned>(std::ceil(failures_at(it->second, now) - 1e-9));
    if (n == 0) return std::chrono::milliseconds(0);
    auto d = lim_.delay;
    for (unsigned i = 1; i < n && d < lim_.max_delay; ++i) d *= 2;
    return std::min(d, lim_.max_delay);
}

// At the bound: forget the addresses whose failures have decayed, and if
// none has, the one that failed longest ago (a flood of addresses cannot
// grow memory; it can only shorten what is remembered).
void address_penalty::make_room(time_point now) {
    if (by_address_.size() < lim_.max_addresses) return;
    std::erase_if(by_address_, [&](const auto& kv) { return failures_at(kv.second, now) <= 0; });
    if (by_address_.size() < lim_.max_addresses || by_address_.empty()) return;
    auto oldest = std::min_element(by_address_.begin(), by_address_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    by_address_.erase(oldest);
}

}  // namespace mailroom::proto
