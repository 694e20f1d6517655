// config::detail validation rules: which strings are acceptable values for
// the configuration keys. Pure functions, no TOML and no diagnostics (the
// section readers turn a `false` into an error at the right line).
// Private to src/config.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace mailroom::config::detail {

// Upper case, as stored in listener::mechanisms.
inline constexpr auto sasl_mechanisms = sasl_mechanism_names;  // common/sasl_mechanisms.hpp
inline constexpr std::array<std::string_view, 7> log_levels{"trace", "debug",    "info", "warn",
                                                            "error", "critical", "off"};
inline constexpr std::array<std::string_view, 3> tls_modes{"none", "starttls", "implicit"};
inline constexpr std::array<std::string_view, 4> services{"pop3", "smtp", "submission", "imap"};
inline constexpr std::array<std::string_view, 4> address_orders{"ipv6_first", "ipv4_first", "ipv6_only", "ipv4_only"};

// ASCII case mapping (configuration values are ASCII by the rules below).
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// "a, b, c" for messages.
template <std::size_t N>
std::string joined(const std::array<std::string_view, N>& words) {
    std::string out;
    for (auto w : words) {
        if (!out.empty()) out += ", ";
        out += w;
    }
    return out;
}

// A host or domain name: dot-separated LDH labels (RFC 1123 §2.1: letters,
// digits, '-' not first or last, 1 to 63 characters), at most 253 characters,
// no trailing dot, and a last label that is not all digits (RFC 3696 §2), so
// an IPv4 literal is not a name.
bool is_host_name(std::string_view name);

// An IPv4 or IPv6 address literal as inet_pton(3) accepts it.
bool is_ip_literal(std::string_view address);

// A listener name, printed in logs and in the `listening NAME ...` line:
// 1 to 64 of letters, digits, '-', '_' and '.'.
bool is_listener_name(std::string_view name);

// "address/prefix" with an IPv4 (prefix 0-32) or IPv6 (0-128) address.
bool is_cidr(std::string_view network);

// "host", "host:port", "[literal]" or "[literal]:port" split into its
// parts; nullopt when the shape is wrong (empty host, a bracket not closed
// or followed by something other than ":port", a port that is not 1 to
// 65535 in decimal digits). Whether the host is a valid name or address is
// the caller's check. An unbracketed text with two or more ':' is taken as
// a bare IPv6 address without a port.
struct host_port {
    std::string host;  // without the brackets
    std::optional<std::uint16_t> port;
    bool bracketed = false;
};
std::optional<host_port> split_host_port(std::string_view text);

// Whether `address` is an IPv6 (not IPv4) address literal.
bool is_ipv6_literal(std::string_view address);

std::optional<tls_mode> tls_mode_from(std::string_view word);
std::optional<address_order> address_order_from(std::string_view word);
std::optional<service_kind> service_from(std::string_view word);
bool is_log_level(std::string_view word);
// The mechanism in upper case if it is one of sasl_mechanisms (any case).
std::optional<std::string> sasl_mechanism_from(std::string_view word);

// Whether two listeners could not both be bound: same port (not 0), same
// address family, and the same address or either one the wildcard
// (0.0.0.0, ::). IPv6 sockets are v6-only (server.cpp), so "::" and
// "0.0.0.0" do not collide. Both addresses must be valid literals.
bool endpoints_collide(std::string_view address_a, std::uint16_t port_a, std::string_view address_b,
                       std::uint16_t port_b);

}  // namespace mailroom::config::detail
