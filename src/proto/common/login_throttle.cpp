#include "proto/common/login_throttle.hpp"

#include <algorithm>

namespace mailroom::proto {

login_throttle::verdict login_throttle::failed() {
    ++failures_;
    auto delay = lim_.delay;
    for (unsigned i = 1; i < failures_ && delay < lim_.max_delay; ++i) delay *= 2;
    delay = std::min(delay, lim_.max_delay);
    return {std::max(delay, std::chrono::milliseconds(0)), failures_ >= lim_.max_failures};
}

}  // namespace mailroom::proto
