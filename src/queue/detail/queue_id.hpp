// Queue ids: 16 lowercase hex digits. The high 32 bits are the Unix time in
// seconds (ids sort roughly by arrival), the low 32 bits a per-process
// counter started at a random value. Within one process ids never repeat
// (2^32 ids before the counter wraps); across restarts a collision needs the
// same second and overlapping counter ranges.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailroom::queue::detail {

class id_generator {
public:
    explicit id_generator(std::uint32_t random_start) : counter_(random_start) {}
    std::string next(std::chrono::system_clock::time_point now);  // thread-safe

private:
    std::atomic<std::uint32_t> counter_;
};

// True for exactly 16 characters of [0-9a-f]: only such names are paths.
bool is_queue_id(std::string_view s) noexcept;

}  // namespace mailroom::queue::detail
