// imap::sequence_set parsing and matching (sequence_set.hpp).
#include "proto/imap/sequence_set.hpp"

#include <algorithm>

namespace mailroom::imap {
namespace {

std::optional<std::uint32_t> parse_seq_number(std::string_view text) {
    if (text == "*") return sequence_range::star;
    return parse_nz_number(text);
}

}  // namespace

std::uint32_t sequence_range::low(std::uint32_t largest) const noexcept {
    const auto a = first == star ? largest : first;
    const auto b = last == star ? largest : last;
    return std::min(a, b);
}

std::uint32_t sequence_range::high(std::uint32_t largest) const noexcept {
    const auto a = first == star ? largest : first;
    const auto b = last == star ? largest : last;
    return std::max(a, b);
}

bool sequence_set::contains(std::uint32_t n, std::uint32_t largest) const noexcept {
    if (largest == 0 || n == 0) return false;
    for (const auto& r : ranges)
        if (n >= r.low(largest) && n <= r.high(largest)) return true;
    return false;
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (n > (max - d) / 10) return std::nullopt;
        n = n * 10 + d;
    }
    return n;
}

std::optional<sequence_set> parse_sequence_set(std::string_view text, std::size_t max_ranges) {
    sequence_set set;
    if (text == "$") {  // RFC 5182 §2.1: alone, never inside a set
        set.saved = true;
        return set;
    }
    if (text.empty()) return std::nullopt;
    std::size_t pos = 0;
    for (;;) {
        const auto comma = text.find(',', pos);
        const auto part = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        if (set.ranges.size() >= max_ranges) return std::nullopt;
        const auto colon = part.find(':');
        sequence_range r;
        if (colon == std::string_view::npos) {
            const auto n = parse_seq_number(part);
            if (!n) return std::nullopt;
            r.first = r.last = *n;
        } else {
            const auto a = parse_seq_number(part.substr(0, colon));
            const auto b = parse_seq_number(part.substr(colon + 1));
            if (!a || !b) return std::nullopt;
            r.first = *a;
            r.last = *b;
        }
        set.ranges.push_back(r);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return set;
}

std::string compact_set(const std::vector<std::uint32_t>& ascending) {
    std::string s;
    for (std::size_t i = 0; i < ascending.size();) {
        std::size_t j = i;
        while (j + 1 < ascending.size() && ascending[j + 1] == ascending[j] + 1) ++j;
        if (!s.empty()) s += ',';
        s += std::to_string(ascending[i]);
        if (j > i) s += ':' + std::to_string(ascending[j]);
        i = j + 1;
    }
    return s;
}

}  // namespace mailroom::imap
