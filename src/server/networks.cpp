#include "server/networks.hpp"

#include <arpa/inet.h>

namespace mailroom::server {
namespace {

// The address in network byte order, or family 0.
std::pair<int, std::array<std::uint8_t, 16>> to_bytes(std::string_view ip) {
    std::array<std::uint8_t, 16> b{};
    const std::string s(ip);
    if (::inet_pton(AF_INET, s.c_str(), b.data()) == 1) return {AF_INET, b};
    if (::inet_pton(AF_INET6, s.c_str(), b.data()) == 1) return {AF_INET6, b};
    return {0, b};
}

}  // namespace

std::optional<network_list> network_list::parse(const std::vector<std::string>& cidrs) {
    network_list out;
    for (const auto& c : cidrs) {
        const auto slash = c.find('/');
        if (slash == std::string::npos) return std::nullopt;
        auto [family, bytes] = to_bytes(std::string_view(c).substr(0, slash));
        if (family == 0) return std::nullopt;
        unsigned prefix = 0;
        for (char ch : c.substr(slash + 1)) {
            if (ch < '0' || ch > '9') return std::nullopt;
            prefix = prefix * 10 + static_cast<unsigned>(ch - '0');
        }
        if (prefix > (family == AF_INET ? 32u : 128u)) return std::nullopt;
        out.nets_.push_back({family, bytes, prefix});
    }
    return out;
}

bool network_list::contains(std::string_view ip) const {
    const auto [family, bytes] = to_bytes(ip);
    for (const auto& n : nets_) {
        if (n.family != family) continue;
        unsigned bits = n.prefix;
        bool match = true;
        for (std::size_t i = 0; bits > 0 && match; ++i) {
            const unsigned take = bits >= 8 ? 8 : bits;
            const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
            match = (bytes[i] & mask) == (n.bytes[i] & mask);
            bits -= take;
        }
        if (match) return true;
    }
    return false;
}

}  // namespace mailroom::server
