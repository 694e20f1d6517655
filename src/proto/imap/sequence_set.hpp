// imap::sequence_set: message sequence numbers or UIDs as a client writes
// them (RFC 9051 §9 sequence-set): ranges in either order, "*" for the
// largest number in use, "$" for the saved search result (RFC 5182).
// Parsed by the typed command parser, resolved by the session engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::imap {

struct sequence_range {
    // Numbers are nz-number (1..2^32-1), so 0 stands for "*".
    static constexpr std::uint32_t star = 0;
    std::uint32_t first = 1;  // as written: "5:2" keeps first=5, last=2
    std::uint32_t last = 1;   // equal to first for a single number

    // The range with "*" replaced by `largest` and the ends ordered.
    std::uint32_t low(std::uint32_t largest) const noexcept;
    std::uint32_t high(std::uint32_t largest) const noexcept;
    friend bool operator==(const sequence_range&, const sequence_range&) = default;
};

struct sequence_set {
    bool saved = false;  // "$" (RFC 5182 §2.1): the ranges are empty
    std::vector<sequence_range> ranges;

    // n is in the set, "*" meaning `largest` (RFC 9051 §9: "*" in a set on
    // an empty mailbox matches nothing, a range "x:*" matches x..largest).
    bool contains(std::uint32_t n, std::uint32_t largest) const noexcept;
    friend bool operator==(const sequence_set&, const sequence_set&) = default;
};

// "1", "1:5", "5:1", "3:*", "*", "1,3:4,7:*", "$". nullopt for anything
// else: 0, numbers over 2^32-1, empty parts, "$" mixed with ranges, more
// than max_ranges ranges.
std::optional<sequence_set> parse_sequence_set(std::string_view text, std::size_t max_ranges);

// nz-number / number / number64 (RFC 9051 §9): digits only, no sign, no
// leading "+"; the bound is inclusive. nullopt on overflow or other text.
// "1:3,5,7:8": ascending numbers written as a sequence-set (ESEARCH ALL,
// APPENDUID/COPYUID uid-sets).
std::string compact_set(const std::vector<std::uint32_t>& ascending);

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max);
inline std::optional<std::uint32_t> parse_nz_number(std::string_view text) {
    auto n = parse_number(text, 0xffffffffu);
    if (!n || *n == 0) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

}  // namespace mailroom::imap
