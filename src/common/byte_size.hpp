// common::parse_byte_size: "10485760", "512K", "10M", "2G", "1T" (powers of
// 1024, as Dovecot's quota_rule and Postfix's sizes are read) to octets.
// Used by the configuration (default_quota) and `mailroom user --quota`;
// format_byte_size writes the short form back for listings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom {

// nullopt for anything else, and for a value past 2^63 octets.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
// The largest unit that divides exactly: 10485760 -> "10M", 1000 -> "1000".
std::string format_byte_size(std::uint64_t octets);

}  // namespace mailroom
