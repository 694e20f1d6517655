// proto::login_throttle: failed logins of one connection - a delay that
// doubles from the first failure up to a maximum (password guessing gets
// slow; the driver waits on a timer, so no other session waits), the
// failures counted, and the connection closed after the maximum. Used by
// every server engine that takes passwords.
#pragma once

#include <chrono>

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

}  // namespace mailroom::proto
