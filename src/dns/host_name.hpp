// Host names as mail routing needs them: checking a name before it is asked,
// and reading a wire-format name out of record data from the network.
// Pure functions, no I/O; used by the rdata parsers and the route planners.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mailroom::dns {

// RFC 1035 §2.3.4: 63 octets per label, 255 octets for the wire form, which
// leaves 253 characters of text without the trailing dot.
inline constexpr std::size_t max_label_bytes = 63;
inline constexpr std::size_t max_wire_name_bytes = 255;
inline constexpr std::size_t max_text_name_bytes = 253;

// True for LDH host names (RFC 1123 §2.1, RFC 5321 §2.3.5): labels of
// letters, digits and inner hyphens, at least two labels or one, an optional
// trailing dot. IDNs must arrive as A-labels ("xn--...").
bool is_valid_host_name(std::string_view name) noexcept;

// True when the name is really an IPv4 address written as a name
// ("192.0.2.1"): RFC 1123 §2.1 says a top-level label is never all-numeric,
// and RFC 5321 §5.1 wants a domain name, not an address, in an MX.
bool looks_like_ip_address(std::string_view name) noexcept;

// Lower case, without the trailing dot: the form names are compared in.
std::string canonical_host_name(std::string_view name);

struct wire_name {
    std::string text;      // canonical text; "" is the root
    std::size_t consumed;  // octets of input the name occupied
};

// Reads an uncompressed wire-format name (RFC 1035 §3.1) from the start of
// `bytes`. Compression pointers are refused: record data handed over by
// libunbound is already expanded. Errors: malformed_answer for a broken
// structure (truncated, label over 63, name over 255, pointer or extended
// label), invalid_name for labels that are not LDH.
result<wire_name> parse_wire_name(std::span<const std::uint8_t> bytes);

}  // namespace mailroom::dns
