#include "net/connection_limits.hpp"

namespace mailroom::net {

std::unique_ptr<connection_limits::slot> connection_limits::try_acquire(const std::string& ip) {
    if (total_ >= max_total_) return nullptr;
    unsigned& n = per_ip_[ip];
    if (n >= max_per_ip_) return nullptr;
    ++n;
    ++total_;
    return std::make_unique<slot>(this, ip);
}

void connection_limits::release(const std::string& ip) {
    --total_;
    auto it = per_ip_.find(ip);
    if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

}  // namespace mailroom::net
