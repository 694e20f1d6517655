// auth/encoding (private to auth/): hex and base64 for stored secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom::auth::detail {

// Lowercase hex.
std::string to_hex(const unsigned char* p, std::size_t n);

// Standard base64 with padding (RFC 4648 §4), no line breaks.
std::string to_base64(const unsigned char* p, std::size_t n);

// Hex (either case) to base64; "" when the hex is malformed or empty.
// The decoded bytes are wiped.
std::string hex_to_base64(std::string_view hex);

}  // namespace mailroom::auth::detail
