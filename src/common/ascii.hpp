// ASCII-only case mapping for protocol keywords (SMTP verbs, EHLO keywords,
// SASL mechanism names, POP3 commands): never locale-dependent, never
// touches bytes >= 0x80 (RFC 5321 §2.4: keywords are case-insensitive ASCII).
#pragma once

#include <string>
#include <string_view>

namespace mailroom {

constexpr char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

inline std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = ascii_upper(c);
    return out;
}

}  // namespace mailroom
