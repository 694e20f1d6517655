// client::server_address: the HOST[:PORT] a client tool is pointed at
// (`mailroom send`, `mailroom pop3`, the proxy's upstreams): a host name,
// an IPv4 address or a bracketed IPv6 literal, with an optional port.
// Parsing only; connect.hpp resolves and connects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::client {

struct server_address {
    std::string host;  // without brackets: "mail.example", "192.0.2.1", "::1"
    std::uint16_t port = 0;
};

// HOST, HOST:PORT, [V6], [V6]:PORT, or a bare IPv6 literal (several colons,
// no port). nullopt for an empty host, a bad bracket or a port outside 1-65535.
std::optional<server_address> parse_server(std::string_view text, std::uint16_t default_port);

}  // namespace mailroom::client
