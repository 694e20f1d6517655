// proto::keyword_equals: protocol keywords (commands, parameters, SASL
// mechanism names) compared case-insensitively in ASCII only - never by
// locale, bytes >= 0x80 never folded (RFC 5321 §2.4, RFC 1939 §3).
// Used by every engine's command parser.
#pragma once

#include <string_view>

#include "common/ascii.hpp"

namespace mailroom::proto {

constexpr bool keyword_equals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
    return true;
}

constexpr bool keyword_prefix(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && keyword_equals(s.substr(0, prefix.size()), prefix);
}

}  // namespace mailroom::proto
