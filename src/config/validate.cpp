#include "config/validate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace mailroom::config::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_ldh_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), [](char c) { return is_letter(c) || is_digit(c) || c == '-'; });
}

// The address in network byte order; family AF_INET or AF_INET6, or 0.
struct binary_address {
    int family = 0;
    unsigned char bytes[16] = {};
    std::size_t size() const { return family == AF_INET ? 4 : 16; }
    bool is_wildcard() const {
        return std::all_of(bytes, bytes + size(), [](unsigned char b) { return b == 0; });
    }
    bool operator==(const binary_address& o) const {
        return family == o.family && std::memcmp(bytes, o.bytes, size()) == 0;
    }
};

binary_address to_binary(std::string_view text) {
    binary_address out;
    const std::string s(text);  // inet_pton needs a terminated string
    if (::inet_pton(AF_INET, s.c_str(), out.bytes) == 1) out.family = AF_INET;
    else if (::inet_pton(AF_INET6, s.c_str(), out.bytes) == 1) out.family = AF_INET6;
    return out;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

}  // namespace

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is_host_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::string_view last;
    for (std::size_t start = 0;;) {
        const auto dot = name.find('.', start);
        const auto label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (!is_ldh_label(label)) return false;
        if (dot == std::string_view::npos) {
            last = label;
            break;
        }
        start = dot + 1;
    }
    return !std::all_of(last.begin(), last.end(), is_digit);
}

bool is_ip_literal(std::string_view address) {
    if (address.find('\0') != std::string_view::npos) return false;
    return to_binary(address).family != 0;
}

bool is_listener_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_letter(c) || is_digit(c) || c == '-' || c == '_' || c == '.'; });
}

std::optional<host_port> split_host_port(std::string_view text) {
    host_port out;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(1, close - 1));
        out.bracketed = true;
        rest = text.substr(close + 1);
    } else if (std::count(text.begin(), text.end(), ':') >= 2) {
        out.host = std::string(text);  // bare IPv6: a port would be ambiguous
    } else {
        const auto colon = text.find(':');
        out.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) rest = text.substr(colon);
    }
    if (out.host.empty()) return std::nullopt;
    if (rest.empty()) return out;
    if (rest.front() != ':') return std::nullopt;
    const auto digits = rest.substr(1);
    if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), is_digit))
        return std::nullopt;
    unsigned port = 0;
    for (char c : digits) port = port * 10 + static_cast<unsigned>(c - '0');
    if (port == 0 || port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

bool is_ipv6_literal(std::string_view address) {
    if (address.find('\0') != std::string_view::npos) return false;
    return to_binary(address).family == AF_INET6;
}

std::optional<address_order> address_order_from(std::string_view word) {
    if (word == "ipv6_first") return address_order::ipv6_first;
    if (word == "ipv4_first") return address_order::ipv4_first;
    if (word == "ipv6_only") return address_order::ipv6_only;
    if (word == "ipv4_only") return address_order::ipv4_only;
    return std::nullopt;
}

std::optional<tls_mode> tls_mode_from(std::string_view word) {
    if (word == "none") return tls_mode::none;
    if (word == "starttls") return tls_mode::starttls;
    if (word == "implicit") return tls_mode::implicit;
    return std::nullopt;
}

std::optional<service_kind> service_from(std::string_view word) {
    if (word == "pop3") return service_kind::pop3;
    if (word == "smtp") return service_kind::smtp;
    if (word == "submission") return service_kind::submission;
    if (word == "imap") return service_kind::imap;
    return std::nullopt;
}

bool is_cidr(std::string_view network) {
    const auto slash = network.find('/');
    if (slash == std::string_view::npos || slash + 1 >= network.size() || network.size() - slash > 4) return false;
    const auto address = network.substr(0, slash);
    unsigned prefix = 0;
    for (char c : network.substr(slash + 1)) {
        if (!is_digit(c)) return false;
        prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (!is_ip_literal(address)) return false;
    const bool v6 = address.find(':') != std::string_view::npos;
    return prefix <= (v6 ? 128u : 32u);
}

bool is_log_level(std::string_view word) { return contains(log_levels, word); }

std::optional<std::string> sasl_mechanism_from(std::string_view word) {
    auto upper = to_upper(word);
    if (!contains(sasl_mechanisms, upper)) return std::nullopt;
    return upper;
}

bool endpoints_collide(std::string_view address_a, std::uint16_t port_a, std::string_view address_b,
                       std::uint16_t port_b) {
    if (port_a == 0 || port_a != port_b) return false;
    const auto a = to_binary(address_a);
    const auto b = to_binary(address_b);
    if (a.family == 0 || a.family != b.family) return false;
    return a == b || a.is_wildcard() || b.is_wildcard();
}

}  // namespace mailroom::config::detail
