// proto::login_throttle: failed logins of one connection - a delay that
// doubles from the first failure up to a maximum (password guessing gets
// slow; the driver waits on a timer, so no other session waits), the
// failures counted, and the connection closed after the maximum. Used by
// every server engine that takes passwords. proto::address_penalty: the
// same across connections, per client address (Dovecot's auth penalty),
// kept by server::login_guard for every listener.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace mailroom::proto {

struct throttle_limits {
    unsigned max_failures = 3;                   // then the session closes
    std::chrono::milliseconds delay{1000};       // after the first failure
    std::chrono::milliseconds max_delay{15000};  // doubling up to this
};

class login_throttle {
public:
    explicit login_throttle(throttle_limits lim) : lim_(lim) {}

    struct verdict {
        std::chrono::milliseconds pause{0};  // wait this long before the reply (0: none)
        bool close = false;                  // the maximum is reached: end the session
    };
    verdict failed();  // one more failure
    unsigned failures() const noexcept { return failures_; }

private:
    throttle_limits lim_;
    unsigned failures_ = 0;
};

struct penalty_limits {
    std::chrono::milliseconds delay{1000};       // after one failure; doubles per further failure; 0: off
    std::chrono::milliseconds max_delay{15000};  // never more
    std::chrono::seconds decay{60};              // one failure forgotten per this long without another
    std::size_t max_addresses = 100'000;         // addresses remembered at once (memory bound)
};

// Failed logins per client address, whatever the connection: a login
// attempt from an address with recent failures waits delay(), growing with
// each failure and shrinking as time passes. Only that address waits, so
// the real user logging in from elsewhere is not locked out. Time is
// passed in (steady clock); one thread only.
class address_penalty {
public:
    using time_point = std::chrono::steady_clock::time_point;
    explicit address_penalty(penalty_limits lim) : lim_(lim) {}

    void failed(const std::string& address, time_point now);
    // A login from `address` succeeded: its failures are forgotten (as
    // Dovecot's auth penalty is reset by a successful login), so a user who
    // mistyped once is not slowed for the next decay period.
    void succeeded(const std::string& address) { by_address_.erase(address); }
    // How long a login attempt from `address` waits now (0: at once).
    std::chrono::milliseconds delay(const std::string& address, time_point now) const;
    std::size_t tracked() const noexcept { return by_address_.size(); }
    // A reload's limits: the failures counted so far stay and are weighed
    // with them.
    void set_limits(penalty_limits lim) noexcept { lim_ = lim; }

private:
    struct entry {
        double failures = 0;  // as of `last`
        time_point last;
    };
    double failures_at(const entry& e, time_point now) const;
    void make_room(time_point now);

    penalty_limits lim_;
    std::unordered_map<std::string, entry> by_address_;
};

}  // namespace mailroom::proto
