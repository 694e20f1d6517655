// FNV-1a, 64 bits: detects torn, truncated or zero-filled queue files after
// a crash. Not a defence against anyone who can write the spool directory.
#pragma once

#include <cstdint>
#include <string_view>

namespace mailroom::queue::detail {

constexpr std::uint64_t checksum_start = 0xcbf29ce484222325ULL;

// `h`: checksum_start, or the checksum of what came before (pieces chain).
constexpr std::uint64_t checksum(std::string_view bytes, std::uint64_t h = checksum_start) noexcept {
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace mailroom::queue::detail
