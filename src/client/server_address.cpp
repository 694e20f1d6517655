#include "client/server_address.hpp"

#include <charconv>

namespace mailroom::client {

std::optional<server_address> parse_server(std::string_view s, std::uint16_t default_port) {
    std::string_view host = s;
    std::string_view port;
    bool has_port = false;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = s.substr(1, close - 1);
        if (close + 1 < s.size()) {
            if (s[close + 1] != ':') return std::nullopt;
            port = s.substr(close + 2);
            has_port = true;
        }
    } else if (const auto colon = s.rfind(':'); colon != std::string_view::npos && s.find(':') == colon) {
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
        has_port = true;
    }
    if (host.empty() || host.find_first_of("[] \t\r\n") != std::string_view::npos) return std::nullopt;
    if (!has_port) return server_address{std::string(host), default_port};
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || port.empty() || value < 1 || value > 65535)
        return std::nullopt;
    return server_address{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace mailroom::client
