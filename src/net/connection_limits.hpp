// net::connection_limits: how many connections a listener holds in total
// and per client address (DESIGN.md "Untrusted input"); exempt addresses
// count only towards the total. Used only from the
// event-loop thread, so no locking. A slot gives its place back on release.
// The counts are shared with the slots, so a slot may outlive its listener
// (connections torn down after the listeners at shutdown).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace mailroom::net {

class connection_limits {
    struct counts {
        unsigned total = 0;
        std::unordered_map<std::string, unsigned> per_ip;
        void release(const std::string& ip);
    };

public:
    connection_limits(unsigned max_total, unsigned max_per_ip)
        : max_total_(max_total), max_per_ip_(max_per_ip), counts_(std::make_shared<counts>()) {}

    class slot {
    public:
        slot(std::shared_ptr<counts> c, std::string ip) : counts_(std::move(c)), ip_(std::move(ip)) {}
        slot(const slot&) = delete;
        slot& operator=(const slot&) = delete;
        ~slot() { counts_->release(ip_); }

    private:
        std::shared_ptr<counts> counts_;
        std::string ip_;
    };

    // exempt: the address is in connection_limit_exceptions; only the
    // listener's total bounds it.
    enum class per_ip_rule { applies, exempt };
    // A slot, or nullptr when the listener or (unless exempt) this address is full.
    std::unique_ptr<slot> try_acquire(const std::string& ip, per_ip_rule rule = per_ip_rule::applies);
    unsigned active() const noexcept { return counts_->total; }

private:
    unsigned max_total_;
    unsigned max_per_ip_;
    std::shared_ptr<counts> counts_;
};

}  // namespace mailroom::net
