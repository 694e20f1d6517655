#include "net/connection_limits.hpp"

namespace mailroom::net {

std::unique_ptr<connection_limits::slot> connection_limits::try_acquire(const std::string& ip, per_ip_rule rule) {
    if (counts_->total >= max_total_) return nullptr;
    unsigned& n = counts_->per_ip[ip];  // counted when exempt too: release() finds it
    if (n >= max_per_ip_ && rule == per_ip_rule::applies) return nullptr;
    ++n;
    ++counts_->total;
    return std::make_unique<slot>(counts_, ip);
}

void connection_limits::counts::release(const std::string& ip) {
    --total;
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
}

}  // namespace mailroom::net
