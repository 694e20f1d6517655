#include "delivery/router.hpp"

#include <boost/asio/ip/address.hpp>

#include "dns/errors.hpp"

namespace mailroom::delivery {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

dns::route_failure temporary(std::string text) { return {false, 451, "4.4.3", std::move(text)}; }

std::vector<tcp::endpoint> endpoints_of(const std::vector<asio::ip::address>& addresses, std::uint16_t port) {
    std::vector<tcp::endpoint> out;
    for (const auto& a : addresses) out.emplace_back(a, port);
    return out;
}

// The addresses of `host`: itself when it is an IP address, else A/AAAA.
asio::awaitable<result<std::vector<asio::ip::address>>> addresses_of(dns::resolver& resolver, const std::string& host,
                                                                      const dns::address_policy& policy) {
    boost::system::error_code ec;
    const auto literal = asio::ip::make_address(host, ec);
    if (!ec) co_return std::vector<asio::ip::address>{literal};
    auto found = co_await resolver.lookup_addresses(host, policy);
    co_return found;
}

asio::awaitable<route_plan> via_host(const routing_config& cfg, dns::resolver& resolver, smtp_destination d) {
    auto addresses = co_await addresses_of(resolver, d.host, cfg.addresses);
    if (!addresses) {
        // A configured next hop that does not resolve is our problem, not
        // the sender's: retry (Postfix defers too).
        co_return temporary("cannot find the address of " + d.host + ": " + addresses.error().message());
    }
    d.endpoints = endpoints_of(*addresses, d.port);
    co_return std::vector<smtp_destination>{std::move(d)};
}

}  // namespace

asio::awaitable<route_plan> route_domain(const routing_config& cfg, dns::resolver& resolver, random_source& random,
                                         std::string domain) {
    const auto tls = cfg.opportunistic_tls ? smtp::client::tls_policy::opportunistic : smtp::client::tls_policy::none;
    if (auto r = cfg.routes.find(domain); r != cfg.routes.end()) {
        smtp_destination d;
        d.host = r->second.host;
        d.port = r->second.port;
        d.tls = tls;
        // "[host]" and "host" both go to that host's addresses: unlike
        // Postfix, an unbracketed next hop is not looked up as MX (it names
        // a server, not a mail domain).
        auto plan = co_await via_host(cfg, resolver, std::move(d));
        co_return plan;
    }
    if (cfg.smarthost) {
        const auto& s = *cfg.smarthost;
        smtp_destination d;
        d.host = s.host;
        d.port = s.port;
        d.tls = s.implicit_tls ? smtp::client::tls_policy::implicit : smtp::client::tls_policy::required;
        d.verify_certificate = s.verify_certificate;
        d.auth = s.auth;
        auto plan = co_await via_host(cfg, resolver, std::move(d));
        co_return plan;
    }

    auto mx = co_await resolver.lookup_mx(domain);
    auto planned = dns::plan_mx_route(domain, mx, cfg.mx, random);
    if (auto* failure = std::get_if<dns::route_failure>(&planned)) co_return *failure;
    const auto& route = std::get<dns::mx_route>(planned);

    std::vector<smtp_destination> out;
    std::string last_problem;
    for (const auto& host : route.hosts) {
        auto addresses = co_await resolver.lookup_addresses(host, cfg.addresses);
        if (!addresses) {
            // An MX host without addresses is skipped (RFC 5321 §5.1); only
            // the MX answer itself can make the domain undeliverable.
            last_problem = host + ": " + addresses.error().message();
            if (route.implicit_mx && dns::is_permanent(addresses.error()))
                co_return dns::route_failure{true, 550, "5.1.2", "no address for " + domain};
            continue;
        }
        smtp_destination d;
        d.host = host;
        d.port = cfg.smtp_port;
        d.tls = tls;
        d.endpoints = endpoints_of(*addresses, cfg.smtp_port);
        out.push_back(std::move(d));
    }
    if (out.empty()) co_return temporary("no reachable mail server for " + domain + " (" + last_problem + ")");
    co_return out;
}

}  // namespace mailroom::delivery
