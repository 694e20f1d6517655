// delivery::router: where mail for one recipient domain goes. In order:
//   1. a static route for the domain (like Postfix's transport map:
//      "[10.0.0.5]:2525" is that address; "host:port" is that host's
//      A/AAAA; never an MX lookup);
//   2. the smarthost, when configured (networks that block port 25): every
//      remote domain goes there, TLS required and verified, with AUTH;
//   3. an address literal ("[192.0.2.1]") is that address, no DNS;
//   4. the domain's MX hosts (RFC 5321 §5.1; null MX and the implicit MX
//      handled by dns::plan_mx_route), each host's addresses in the order
//      dns::plan_addresses gives, on the configured SMTP port with
//      opportunistic TLS.
// The result is a list of destinations to try in order, or the reason
// there is none (permanent: bounce; temporary: retry later).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "delivery/transfer.hpp"
#include "dns/address_plan.hpp"
#include "dns/mx_plan.hpp"
#include "dns/resolver.hpp"

namespace mailroom::delivery {

struct static_route {
    std::string host;  // a name, or an IP address when literal
    std::uint16_t port = 25;
    bool literal = false;  // written "[...]" (kept for logs; routing is the same)
};

struct smarthost_route {
    std::string host;
    std::uint16_t port = 587;
    bool implicit_tls = false;  // 465; else STARTTLS, required
    bool verify_certificate = true;
    std::optional<credentials> auth;
};

struct routing_config {
    std::uint16_t smtp_port = 25;  // MX delivery; tests use a high port
    bool opportunistic_tls = true;
    dns::address_policy addresses;
    dns::mx_policy mx;
    std::map<std::string, static_route, std::less<>> routes;  // lower-case domain -> route
    std::optional<smarthost_route> smarthost;
};

using route_plan = std::variant<std::vector<smtp_destination>, dns::route_failure>;

boost::asio::awaitable<route_plan> route_domain(const routing_config& cfg, dns::resolver& resolver,
                                                random_source& random, std::string domain);

}  // namespace mailroom::delivery
