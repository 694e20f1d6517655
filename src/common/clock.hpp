// Clock and randomness as interfaces, passed in, so engines and stores are
// deterministic under test (tests/support/ has fixed ones).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

namespace mailroom {

class clock {
public:
    virtual ~clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class random_source {
public:
    virtual ~random_source() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;
    std::uint64_t next_u64() {
        std::uint64_t v = 0;
        fill({reinterpret_cast<std::uint8_t*>(&v), sizeof v});
        return v;
    }
};

// The real ones: the system clock and the kernel's getrandom().
class system_clock final : public clock {
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

class system_random final : public random_source {
public:
    void fill(std::span<std::uint8_t> out) override;
};

}  // namespace mailroom
