// server::network_list: the configured trusted_networks (CIDR), asked
// whether a client address may relay without authenticating.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::server {

class network_list {
public:
    // nullopt if any entry is not "address/prefix" (config validates first).
    static std::optional<network_list> parse(const std::vector<std::string>& cidrs);
    bool contains(std::string_view ip) const;
    bool empty() const noexcept { return nets_.empty(); }

private:
    struct net {
        int family;  // AF_INET or AF_INET6
        std::array<std::uint8_t, 16> bytes;
        unsigned prefix;
    };
    std::vector<net> nets_;
};

}  // namespace mailroom::server
