#include "queue/detail/queue_id.hpp"

#include <fmt/format.h>

namespace mailroom::queue::detail {

std::string id_generator::next(std::chrono::system_clock::time_point now) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::uint64_t high = static_cast<std::uint32_t>(seconds);
    const std::uint64_t low = counter_.fetch_add(1, std::memory_order_relaxed);
    return fmt::format("{:016x}", high << 32 | low);
}

bool is_queue_id(std::string_view s) noexcept {
    if (s.size() != 16) return false;
    for (const char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace mailroom::queue::detail
