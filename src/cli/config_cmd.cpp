// mailroom config check FILE: validates a configuration file and prints
// every error as file:line:col: message; for a valid file, a summary and
// the effective outbound delivery settings (never a password).
#include <iostream>
#include <ostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/loader.hpp"

namespace mailroom::cli {
namespace {

std::string_view order_name(config::address_order o) {
    switch (o) {
        case config::address_order::ipv6_first: return "ipv6_first";
        case config::address_order::ipv4_first: return "ipv4_first";
        case config::address_order::ipv6_only: return "ipv6_only";
        case config::address_order::ipv4_only: return "ipv4_only";
    }
    return "?";
}

// "host:port", with IPv6 addresses (and literal routes) in brackets.
std::string endpoint(const std::string& host, std::uint16_t port, bool brackets) {
    const bool wrap = brackets || host.find(':') != std::string::npos;
    return (wrap ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void print_delivery(std::ostream& out, const config::delivery_settings& d) {
    out << "delivery: MX hosts on port " << d.smtp_port << ", STARTTLS "
        << (d.opportunistic_tls ? "when offered" : "never") << ", " << order_name(d.addresses) << ", connect timeout "
        << d.connect_timeout.count() << "s, " << d.max_parallel << " at once (" << d.max_per_domain << " per domain)\n";
    out << "delivery: retry after " << d.retry_initial.count() << "s, growth " << d.retry_growth << ", at most "
        << d.retry_max.count() << "s; bounce after " << d.max_lifetime.count() << "s; delay warning "
        << (d.delay_warning.count() ? "after " + std::to_string(d.delay_warning.count()) + "s" : "off") << "\n";
    out << "delivery: DNS "
        << (d.dns_forwarder.empty() ? "from /etc/resolv.conf"
                                    : "via " + endpoint(d.dns_forwarder, d.dns_forwarder_port, false));
    for (std::size_t i = 0; i < d.dns_special_zones.size(); ++i)
        out << (i == 0 ? ", special zones asked upstream: " : ", ") << d.dns_special_zones[i];
    out << "\n";
    for (const auto& [domain, route] : d.routes)
        out << "delivery: route " << domain << " -> " << endpoint(route.host, route.port, route.literal) << "\n";
    if (const auto& sh = d.smarthost) {
        out << "delivery: smarthost " << endpoint(sh->host, sh->port, false) << " for every domain without a route, "
            << (sh->tls == config::tls_mode::implicit ? "implicit TLS" : "STARTTLS required") << ", certificate "
            << (sh->verify_certificate ? "verified" : "NOT verified");
        if (!sh->ca_file.empty()) out << " against " << sh->ca_file.string();
        if (sh->username.empty()) out << ", no AUTH";
        else out << ", AUTH as " << sh->username << ", password: (set)";
        out << "\n";
    }
}

}  // namespace

void add_config(CLI::App& app) {
    auto file = std::make_shared<std::string>();
    auto* config = app.add_subcommand("config", "Configuration tools");
    config->require_subcommand(1);
    auto* check = config->add_subcommand("check", "Check a configuration file");
    check->add_option("file", *file, "TOML file")->required();
    check->callback([file] {
        auto loaded = config::load_file(*file);
        for (const auto& d : loaded.errors) std::cerr << d.format() << "\n";
        if (!loaded.cfg) throw cli_error(std::to_string(loaded.errors.size()) + " error(s) in " + *file);
        std::cout << *file << ": OK, " << loaded.cfg->listeners.size() << " listener(s)\n";
        print_delivery(std::cout, loaded.cfg->delivery);
    });
}

}  // namespace mailroom::cli
