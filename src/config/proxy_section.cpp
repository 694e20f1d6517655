// Every [[proxy]] table -> settings::proxies (config/proxy_settings.hpp):
// keys, value rules, password files read relative to the configuration
// file, then proxy_entry_problems for the entry as a whole and the check
// that no two proxies listen on one address and port.
#include <array>
#include <filesystem>
#include <string>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 19> proxy_keys{"name",
                                                      "protocol",
                                                      "listen",
                                                      "allow_remote",
                                                      "upstream",
                                                      "upstream_tls",
                                                      "upstream_auth",
                                                      "verify_certificate",
                                                      "ca_file",
                                                      "upstream_user",
                                                      "upstream_password_file",
                                                      "local_user",
                                                      "local_password_file",
                                                      "max_connections",
                                                      "max_connections_per_ip",
                                                      "idle_timeout",
                                                      "upstream_timeout",
                                                      "max_message_bytes",
                                                      "helo"};
constexpr std::array<std::string_view, 8> pop3_auth_words{"auto",  "user",     "apop",        "plain",
                                                          "login", "cram-md5", "scram-sha-1", "scram-sha-256"};
constexpr std::array<std::string_view, 6> smtp_auth_words{"auto",     "plain",       "login",
                                                          "cram-md5", "scram-sha-1", "scram-sha-256"};
constexpr std::int64_t max_count = 100'000;
constexpr std::int64_t max_timeout = 24 * 3600;
constexpr std::int64_t max_message_limit = std::int64_t{1} << 40;

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& words, std::string_view w) {
    for (auto x : words)
        if (x == w) return true;
    return false;
}

void read_listen(fields& f, const toml::table& t, proxy_entry& e) {
    auto v = f.text(t, "listen");
    if (!v) {
        if (!t.contains("listen")) f.error(t, "[[proxy]] needs 'listen' (\"127.0.0.1:PORT\")");
        return;
    }
    const auto ep = parse_listen(*v);
    if (!ep) {
        f.error(*t.get("listen"),
                "'listen' must be ADDRESS:PORT with an IP address, like \"127.0.0.1:1100\"; not '" + *v + "'");
        return;
    }
    e.listen_address = ep->address;
    e.listen_port = ep->port;
}

void read_upstream(fields& f, const toml::table& t, proxy_entry& e) {
    if (auto v = f.string(t, "upstream_tls")) {
        if (auto m = upstream_tls_from(*v)) e.tls = *m;
        else f.error(*t.get("upstream_tls"), "'upstream_tls' must be none, starttls or implicit; not '" + *v + "'");
    }
    auto v = f.text(t, "upstream");
    if (!v) {
        if (!t.contains("upstream")) f.error(t, "[[proxy]] needs 'upstream' (\"HOST:PORT\")");
        return;
    }
    const auto hp = split_host_port(*v);
    if (!hp || !(is_host_name(hp->host) || is_ip_literal(hp->host))) {
        f.error(*t.get("upstream"), "'upstream' must be HOST or HOST:PORT; not '" + *v + "'");
        return;
    }
    e.upstream_host = hp->host;
    e.upstream_port = hp->port ? *hp->port : default_upstream_port(e.protocol, e.tls);
}

void read_auth(fields& f, const toml::table& t, proxy_entry& e) {
    auto v = f.string(t, "upstream_auth");
    if (!v) return;
    const auto word = to_lower(*v);
    const bool ok = e.protocol == proxy_protocol::pop3 ? one_of(pop3_auth_words, word) : one_of(smtp_auth_words, word);
    if (ok) e.auth = word;
    else
        f.error(*t.get("upstream_auth"),
                "'upstream_auth' must be one of " +
                    (e.protocol == proxy_protocol::pop3 ? joined(pop3_auth_words) : joined(smtp_auth_words)) +
                    "; not '" + *v + "'");
}

void read_secret(fields& f, const toml::table& t, std::string_view key, const std::filesystem::path& base,
                 secret& out) {
    auto v = f.text(t, key);
    if (!v) return;
    auto r = config::read_password_file(base / *v);
    if (r.password) out = std::move(*r.password);
    else f.error(*t.get(key), "'" + std::string(key) + "': " + r.error);
}

void read_limits(fields& f, const toml::table& t, proxy_entry& e) {
    if (auto v = f.integer(t, "max_connections", 1, max_count)) e.max_connections = static_cast<unsigned>(*v);
    if (auto v = f.integer(t, "max_connections_per_ip", 1, max_count))
        e.max_connections_per_ip = static_cast<unsigned>(*v);
    if (auto v = f.integer(t, "idle_timeout", 1, max_timeout)) e.idle_timeout = std::chrono::seconds(*v);
    if (auto v = f.integer(t, "upstream_timeout", 1, max_timeout)) e.upstream_timeout = std::chrono::seconds(*v);
    if (auto v = f.integer(t, "max_message_bytes", 1, max_message_limit))
        e.max_message_bytes = static_cast<std::uint64_t>(*v);
}

proxy_entry read_proxy(fields& f, const toml::table& t, const std::filesystem::path& base) {
    f.only_keys(t, proxy_keys, "[[proxy]]");
    proxy_entry e;
    e.source_line = static_cast<int>(t.source().begin.line);
    if (auto v = f.string(t, "protocol")) {
        if (*v == "pop3") e.protocol = proxy_protocol::pop3;
        else if (*v == "smtp") e.protocol = proxy_protocol::smtp;
        else f.error(*t.get("protocol"), "'protocol' must be pop3 or smtp; not '" + *v + "'");
    } else if (!t.contains("protocol")) {
        f.error(t, "[[proxy]] needs 'protocol' (pop3 or smtp)");
    }
    if (e.protocol == proxy_protocol::pop3) e.idle_timeout = std::chrono::minutes(10);  // RFC 1939 §3
    read_listen(f, t, e);
    if (auto v = f.boolean(t, "allow_remote")) e.allow_remote = *v;
    read_upstream(f, t, e);
    read_auth(f, t, e);
    if (auto v = f.boolean(t, "verify_certificate")) e.verify_certificate = *v;
    if (auto v = f.text(t, "ca_file")) e.ca_file = base / *v;
    if (auto v = f.text(t, "upstream_user")) e.upstream_user = *v;
    read_secret(f, t, "upstream_password_file", base, e.upstream_password);
    if (auto v = f.text(t, "local_user")) e.local_user = *v;
    read_secret(f, t, "local_password_file", base, e.local_password);
    read_limits(f, t, e);
    if (auto v = f.text(t, "helo")) {
        if (is_host_name(*v)) e.helo = *v;
        else f.error(*t.get("helo"), "'helo' must be a host name; not '" + *v + "'");
    }
    if (auto v = f.string(t, "name")) {
        if (is_listener_name(*v)) e.name = *v;
        else f.error(*t.get("name"), "'name' must be 1 to 64 letters, digits, '-', '_' or '.', not '" + *v + "'");
    }
    if (e.name.empty()) e.name = std::string(protocol_name(e.protocol)) + "-" + std::to_string(e.listen_port);
    return e;
}

}  // namespace

void read_proxies(fields& f, const toml::table& doc, settings& s) {
    const toml::node* n = doc.get("proxy");
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) {
        f.error(*n, "'proxy' must be an array of tables ([[proxy]]), not " + std::string(type_phrase(n->type())));
        return;
    }
    const auto base = std::filesystem::path(f.source()).parent_path();
    for (const toml::node& item : *arr) {
        const toml::table* t = item.as_table();
        if (!t) {
            f.error(item, "each 'proxy' must be a table ([[proxy]]), not " + std::string(type_phrase(item.type())));
            continue;
        }
        proxy_entry e = read_proxy(f, *t, base);
        // Only a well-formed entry is judged as a whole.
        if (!e.upstream_host.empty() && t->contains("listen"))
            for (const auto& why : proxy_entry_problems(e)) f.error(*t, "[[proxy]] '" + e.name + "': " + why);
        for (const auto& other : s.proxies) {
            if (other.name == e.name) f.error(*t, "proxy name '" + e.name + "' is used twice");
            else if (endpoints_collide(e.listen_address, e.listen_port, other.listen_address, other.listen_port))
                f.error(*t, "proxy '" + e.name + "' listens where proxy '" + other.name + "' does (line " +
                                std::to_string(other.source_line) + ")");
        }
        s.proxies.push_back(std::move(e));
    }
}

}  // namespace mailroom::config::detail
