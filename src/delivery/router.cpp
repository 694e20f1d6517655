#include "delivery/router.hpp"

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string_view>

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

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3; the tag is
// case-insensitive); nothing for any other form.
std::optional<asio::ip::address> literal_address(std::string_view domain) {
    if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return std::nullopt;
    std::string inner(domain.substr(1, domain.size() - 2));
    bool v6 = false;
    if (inner.size() > 5 && (inner.compare(0, 5, "IPv6:") == 0 || inner.compare(0, 5, "ipv6:") == 0)) {
        inner.erase(0, 5);
        v6 = true;
    }
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(inner, ec);
    if (ec || a.is_v6() != v6 || a.is_unspecified() || a.is_multicast()) return std::nullopt;
    return a;
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

    // An address literal ("user@[192.0.2.1]", "user@[IPv6:2001:db8::1]"):
    // that host, no DNS (RFC 5321 §4.1.3, §5.1).
    if (!domain.empty() && domain.front() == '[') {
        auto address = literal_address(domain);
        if (!address) co_return dns::route_failure{true, 550, "5.1.2", "bad address literal " + domain};
        smtp_destination d;
        d.host = domain;
        d.port = cfg.smtp_port;
        d.tls = tls;
        d.endpoints = endpoints_of({*address}, cfg.smtp_port);
        co_return std::vector<smtp_destination>{std::move(d)};
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
