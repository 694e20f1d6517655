// [delivery] and its subtables [delivery.routes] and [delivery.smarthost]
// → settings::delivery. The retry rules repeat queue::check_policy's (config
// sits below the queue module and does not link it); a unit test holds the
// two together.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 15> delivery_keys{"smtp_port",         "opportunistic_tls",
                                                         "address_order",     "connect_timeout",
                                                         "max_parallel",      "max_per_domain",
                                                         "retry_initial",     "retry_max",
                                                         "retry_growth",      "max_lifetime",
                                                         "delay_warning",     "dns_forwarder",
                                                         "dns_special_zones", "routes",
                                                         "smarthost"};
constexpr std::array<std::string_view, 8> smarthost_keys{"host",    "port",     "tls",      "verify_certificate",
                                                         "ca_file", "username", "password", "password_file"};

constexpr std::int64_t day = 24 * 3600;
constexpr std::int64_t max_connect_timeout = 600;  // seconds
constexpr std::int64_t max_parallel_limit = 10'000;
constexpr std::int64_t max_retry_initial = 7 * day;
constexpr std::int64_t max_lifetime_limit = 60 * day;  // any longer is a typo
constexpr double max_retry_growth = 100.0;             // queue::check_policy's bound
constexpr std::size_t max_password_bytes = 4096;

using std::chrono::seconds;

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// The subtable `key` of `parent`, or nullptr when absent or not a table
// (then with a diagnostic).
const toml::table* subtable(fields& f, const toml::table& parent, std::string_view key, std::string_view header) {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (const toml::table* t = n->as_table()) return t;
    f.error(*n,
            quoted(key) + " must be a table (" + std::string(header) + "), not " + std::string(type_phrase(n->type())));
    return nullptr;
}

void read_transport(fields& f, const toml::table& t, delivery_settings& d) {
    if (auto v = f.integer(t, "smtp_port", 1, 65535)) d.smtp_port = static_cast<std::uint16_t>(*v);
    if (auto v = f.boolean(t, "opportunistic_tls")) d.opportunistic_tls = *v;
    if (auto v = f.string(t, "address_order")) {
        if (auto order = address_order_from(*v)) d.addresses = *order;
        else
            f.error(*t.get("address_order"),
                    "'address_order' must be one of " + joined(address_orders) + "; not '" + *v + "'");
    }
    if (auto v = f.integer(t, "connect_timeout", 1, max_connect_timeout)) d.connect_timeout = seconds(*v);
}

// max_per_domain <= max_parallel; left out, it is at most max_parallel.
void read_concurrency(fields& f, const toml::table& t, delivery_settings& d) {
    const auto total = f.integer(t, "max_parallel", 1, max_parallel_limit);
    if (total) d.max_parallel = static_cast<unsigned>(*total);
    const bool total_usable = total || !t.contains("max_parallel");
    if (auto per_domain = f.integer(t, "max_per_domain", 1, max_parallel_limit)) {
        d.max_per_domain = static_cast<unsigned>(*per_domain);
        if (total_usable && d.max_per_domain > d.max_parallel)
            f.error(*t.get("max_per_domain"), "'max_per_domain' (" + std::to_string(d.max_per_domain) +
                                                  ") is more than 'max_parallel' (" + std::to_string(d.max_parallel) +
                                                  ")");
    } else if (!t.contains("max_per_domain")) {
        d.max_per_domain = std::min(d.max_per_domain, d.max_parallel);
    }
}

// queue::check_policy's rules: every delay positive, retry_max >=
// retry_initial, growth in [1, 100], a delay warning (when on) earlier than
// max_lifetime. Left out, retry_max is at least retry_initial.
void read_retries(fields& f, const toml::table& t, delivery_settings& d) {
    const auto initial = f.integer(t, "retry_initial", 1, max_retry_initial);
    if (initial) d.retry_initial = seconds(*initial);
    const bool initial_usable = initial || !t.contains("retry_initial");
    if (auto most = f.integer(t, "retry_max", 1, max_lifetime_limit)) {
        d.retry_max = seconds(*most);
        if (initial_usable && d.retry_max < d.retry_initial)
            f.error(*t.get("retry_max"), "'retry_max' (" + std::to_string(d.retry_max.count()) +
                                             ") is less than 'retry_initial' (" +
                                             std::to_string(d.retry_initial.count()) + ")");
    } else if (!t.contains("retry_max")) {
        d.retry_max = std::max(d.retry_max, d.retry_initial);
    }
    if (auto v = f.number(t, "retry_growth", 1.0, max_retry_growth)) d.retry_growth = *v;

    const auto lifetime = f.integer(t, "max_lifetime", 1, max_lifetime_limit);
    if (lifetime) d.max_lifetime = seconds(*lifetime);
    const bool lifetime_usable = lifetime || !t.contains("max_lifetime");
    if (auto warn = f.integer(t, "delay_warning", 0, max_lifetime_limit)) {
        d.delay_warning = seconds(*warn);
        if (lifetime_usable && *warn != 0 && d.delay_warning >= d.max_lifetime)
            f.error(*t.get("delay_warning"), "'delay_warning' (" + std::to_string(*warn) +
                                                 ") must be less than 'max_lifetime' (" +
                                                 std::to_string(d.max_lifetime.count()) + "), or 0 for none");
    }
}

void read_dns(fields& f, const toml::table& t, delivery_settings& d) {
    if (auto v = f.string(t, "dns_forwarder")) {
        // libunbound takes an address, not a name; brackets only around IPv6.
        const auto hp = split_host_port(*v);
        if (v->empty()) {
            d.dns_forwarder.clear();
            d.dns_forwarder_port = 53;
        } else if (hp && is_ip_literal(hp->host) && (!hp->bracketed || is_ipv6_literal(hp->host))) {
            d.dns_forwarder = hp->host;
            d.dns_forwarder_port = hp->port.value_or(53);
        } else {
            f.error(*t.get("dns_forwarder"),
                    "'dns_forwarder' must be an IP address with an optional port (\"127.0.0.1\", "
                    "\"127.0.0.1:5353\", \"::1\", \"[::1]:5353\"), not '" +
                        *v + "'");
        }
    }
    if (auto v = f.strings(t, "dns_special_zones")) {
        d.dns_special_zones.clear();
        for (const auto& item : *v) {
            auto zone = to_lower(item.value);
            if (!is_host_name(zone))
                f.error(*item.node, "'dns_special_zones': '" + item.value + "' is not a valid domain name");
            else if (std::find(d.dns_special_zones.begin(), d.dns_special_zones.end(), zone) !=
                     d.dns_special_zones.end())
                f.error(*item.node, "'dns_special_zones': '" + zone + "' is listed twice");
            else d.dns_special_zones.push_back(std::move(zone));
        }
    }
}

// The next hop a route's value names, or why it names none.
std::variant<static_route, std::string> parse_route(const std::string& text) {
    const std::string shapes = "\"host\", \"host:port\", \"[address]\" or \"[address]:port\" (port 1 to 65535)";
    const auto hp = split_host_port(text);
    if (!hp) return "'" + text + "' must be " + shapes;
    static_route r;
    r.port = hp->port.value_or(25);
    r.literal = hp->bracketed;
    if (hp->bracketed) {
        if (!is_ip_literal(hp->host))
            return "'" + text + "': '" + hp->host + "' in brackets is not an IPv4 or IPv6 address";
        r.host = hp->host;
    } else if (is_ip_literal(hp->host)) {
        // Postfix's transport map reads a bare address as a name to look
        // up; brackets say "this address" without doubt.
        return "'" + text + "': write an address in brackets, as \"[" + hp->host + "]" +
               (hp->port ? ":" + std::to_string(*hp->port) : "") + "\"";
    } else if (is_host_name(hp->host)) {
        r.host = to_lower(hp->host);
    } else {
        return "'" + text + "': '" + hp->host + "' is not a valid host name";
    }
    return r;
}

// Keys are domains, so any key is allowed; they are read in file order
// (toml::table iterates in key order) so a repeat is reported where it is.
void read_routes(fields& f, const toml::table& t, delivery_settings& d) {
    struct entry {
        const toml::key* key;
        const toml::node* value;
    };
    std::vector<entry> entries;
    for (auto&& [key, value] : t) entries.push_back({&key, &value});
    const auto position = [](const entry& e) {
        return std::pair(e.key->source().begin.line, e.key->source().begin.column);
    };
    std::sort(entries.begin(), entries.end(),
              [&](const entry& a, const entry& b) { return position(a) < position(b); });
    std::vector<std::pair<std::string, const toml::key*>> seen;
    d.routes.clear();
    for (const auto& [key, value] : entries) {
        const std::string written(key->str());
        auto domain = to_lower(written);
        if (!is_host_name(domain)) {
            f.error(key->source(), "[delivery.routes]: '" + written + "' is not a valid domain name");
            continue;
        }
        const auto before = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == domain; });
        if (before != seen.end()) {
            f.error(key->source(), "[delivery.routes]: '" + domain + "' has two routes (also on line " +
                                       std::to_string(before->second->source().begin.line) + ")");
            continue;
        }
        seen.emplace_back(domain, key);
        const auto* text = value->as_string();
        if (!text) {
            std::string message = "[delivery.routes]: the route for '" + written + "' must be a string, not " +
                                  std::string(type_phrase(value->type()));
            // partner.example = "..." without quotes is a table "partner".
            if (value->is_table()) message += " (a domain with dots is written in quotes: \"partner.example\" = ...)";
            f.error(*value, std::move(message));
            continue;
        }
        auto route = parse_route(text->get());
        if (auto* why = std::get_if<std::string>(&route))
            f.error(*value, "[delivery.routes]: the route for '" + written + "': " + *why);
        else d.routes.emplace_back(std::move(domain), std::get<static_route>(std::move(route)));
    }
}

bool is_one_line(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos; }

// The password in `file` without its trailing newline, or nullopt with a
// diagnostic at `where` naming the file (never quoting its content).
std::optional<std::string> read_password_file(fields& f, const toml::node& where, const std::filesystem::path& file) {
    const std::string prefix = "'password_file': '" + file.string() + "' ";
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (ec) {
        f.error(where, "'password_file': cannot read '" + file.string() + "': " + ec.message());
        return std::nullopt;
    }
    // A FIFO or device could block or never end.
    if (!std::filesystem::is_regular_file(status)) {
        f.error(where, prefix + "is not a regular file");
        return std::nullopt;
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno;
        f.error(where, "'password_file': cannot read '" + file.string() + "'" +
                           (err ? ": " + std::string(std::strerror(err)) : ""));
        return std::nullopt;
    }
    std::string text(max_password_bytes + 3, '\0');  // room for CR LF and one byte too many
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        f.error(where, "'password_file': cannot read '" + file.string() + "': read error");
        return std::nullopt;
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() > max_password_bytes) {
        f.error(where, prefix + "is longer than " + std::to_string(max_password_bytes) + " bytes");
        return std::nullopt;
    }
    if (text.empty()) {
        f.error(where, prefix + "is empty");
        return std::nullopt;
    }
    if (!is_one_line(text)) {
        f.error(where, prefix + "must hold the password on one line (a NUL or a line break is inside)");
        return std::nullopt;
    }
    return text;
}

// username with exactly one of password / password_file; neither without
// a username.
void read_credentials(fields& f, const toml::table& t, const std::filesystem::path& base, smarthost& sh) {
    if (auto v = f.text(t, "username")) sh.username = *v;
    if (auto v = f.text(t, "password")) {
        if (is_one_line(*v)) sh.password = *v;
        else f.error(*t.get("password"), "'password' must not contain a NUL or a line break");
    }
    const toml::node* user = t.get("username");
    const toml::node* password = t.get("password");
    const toml::node* file = t.get("password_file");
    // Not read when 'password' is there too: that is the error to report.
    if (auto v = f.text(t, "password_file"); v && !password) {
        // Relative to the configuration file's directory, like every path.
        if (auto secret = read_password_file(f, *file, base / *v)) sh.password = std::move(*secret);
    }
    if (password && file) f.error(*file, "[delivery.smarthost] takes 'password' or 'password_file', not both");
    else if (user && !password && !file)
        f.error(*user, "[delivery.smarthost] 'username' needs a 'password' or a 'password_file'");
    if (!user && (password || file))
        f.error(password ? *password : *file, std::string("[delivery.smarthost] '") +
                                                  (password ? "password" : "password_file") + "' needs a 'username'");
}

void read_smarthost(fields& f, const toml::table& t, const std::filesystem::path& base, delivery_settings& d) {
    f.only_keys(t, smarthost_keys, "[delivery.smarthost]");
    smarthost sh;
    sh.source_line = static_cast<int>(t.source().begin.line);
    if (auto v = f.string(t, "host")) {
        if (is_host_name(*v) || is_ip_literal(*v)) sh.host = *v;
        else
            f.error(*t.get("host"),
                    "'host' must be a host name or an IP address (the port goes in 'port'), not '" + *v + "'");
    } else if (!t.contains("host")) {
        f.error(t, "[delivery.smarthost] needs a 'host'");
    }
    if (auto v = f.string(t, "tls")) {
        const auto mode = tls_mode_from(*v);
        if (mode == tls_mode::none)
            f.error(*t.get("tls"),
                    "[delivery.smarthost] 'tls' cannot be \"none\": the password and the mail would "
                    "cross the network in cleartext; use \"starttls\" or \"implicit\"");
        else if (mode) sh.tls = *mode;
        else f.error(*t.get("tls"), "'tls' must be starttls or implicit; not '" + *v + "'");
    }
    // RFC 8314 §3.3: implicit TLS submission is port 465; STARTTLS is 587 (RFC 6409).
    sh.port = sh.tls == tls_mode::implicit ? 465 : 587;
    if (auto v = f.integer(t, "port", 1, 65535)) sh.port = static_cast<std::uint16_t>(*v);
    if (auto v = f.boolean(t, "verify_certificate")) sh.verify_certificate = *v;
    if (auto v = f.text(t, "ca_file")) sh.ca_file = *v;
    read_credentials(f, t, base, sh);
    d.smarthost = std::move(sh);
}

}  // namespace

void read_delivery(fields& f, const toml::table& doc, settings& s) {
    const toml::table* t = subtable(f, doc, "delivery", "[delivery]");
    if (!t) return;
    f.only_keys(*t, delivery_keys, "[delivery]");
    delivery_settings& d = s.delivery;
    read_transport(f, *t, d);
    read_concurrency(f, *t, d);
    read_retries(f, *t, d);
    read_dns(f, *t, d);
    if (const toml::table* routes = subtable(f, *t, "routes", "[delivery.routes]")) read_routes(f, *routes, d);
    if (const toml::table* sh = subtable(f, *t, "smarthost", "[delivery.smarthost]"))
        read_smarthost(f, *sh, std::filesystem::path(f.source()).parent_path(), d);
}

}  // namespace mailroom::config::detail
