// Deterministic clock and random source for engine and store tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "common/clock.hpp"

namespace mailroom::test {

class fixed_clock final : public clock {
public:
    explicit fixed_clock(std::int64_t unix_seconds = 1700000000)
        : now_(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds))) {}
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::system_clock::duration d) { now_ += d; }

private:
    std::chrono::system_clock::time_point now_;
};

// xorshift64*: the same sequence for the same seed.
class seeded_random final : public random_source {
public:
    explicit seeded_random(std::uint64_t seed = 42) : state_(seed ? seed : 1) {}
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) {
            state_ ^= state_ >> 12;
            state_ ^= state_ << 25;
            state_ ^= state_ >> 27;
            b = static_cast<std::uint8_t>((state_ * 0x2545F4914F6CDD1DULL) >> 56);
        }
    }

private:
    std::uint64_t state_;
};

}  // namespace mailroom::test
