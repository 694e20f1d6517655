#include "common/byte_size.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace mailroom {
namespace {

constexpr std::array<std::pair<char, std::uint64_t>, 4> units{
    {{'T', 1ull << 40}, {'G', 1ull << 30}, {'M', 1ull << 20}, {'K', 1ull << 10}}};

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    std::uint64_t scale = 1;
    if (!text.empty()) {
        const char last = text.back();
        for (const auto& [letter, value] : units)
            if (last == letter || last == letter + ('a' - 'A')) {
                scale = value;
                text.remove_suffix(1);
                break;
            }
        if (scale == 1 && (last == 'B' || last == 'b')) text.remove_suffix(1);
    }
    if (text.empty()) return std::nullopt;
    std::uint64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) return std::nullopt;
    constexpr auto most = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (n > most / scale) return std::nullopt;
    return n * scale;
}

std::string format_byte_size(std::uint64_t octets) {
    if (octets != 0)
        for (const auto& [letter, value] : units)
            if (octets % value == 0) return std::to_string(octets / value) + letter;
    return std::to_string(octets);
}

}  // namespace mailroom
