#include "config/loader.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace mailroom::config {
namespace {

constexpr std::array<std::string_view, 5> known_mechanisms{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1",
                                                           "SCRAM-SHA-256"};
constexpr std::array<std::string_view, 7> log_levels{"trace", "debug", "info", "warn", "error", "critical", "off"};

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}
std::string upper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// LDH labels separated by dots (RFC 1123 §2.1), no trailing dot.
bool valid_host_name(std::string_view d) {
    if (d.empty() || d.size() > 253) return false;
    std::size_t start = 0;
    for (;;) {
        auto dot = d.find('.', start);
        auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

bool valid_ip_literal(const std::string& a) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, a.c_str(), buf) == 1 || ::inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

// Reads one TOML document into settings, collecting every problem.
class reader {
public:
    reader(std::string source, std::vector<diagnostic>& errors) : source_(std::move(source)), errors_(errors) {}

    void error(const toml::source_region& where, std::string message) {
        errors_.push_back({source_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                           std::move(message)});
    }

    // Each key of tbl must be one of `allowed`.
    void check_keys(const toml::table& tbl, std::initializer_list<std::string_view> allowed, std::string_view where) {
        for (auto&& [key, node] : tbl) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end())
                error(key.source(), "unknown key '" + std::string(key.str()) + "'" +
                                        (where.empty() ? "" : " in " + std::string(where)));
        }
    }

    template <class T>
    std::optional<T> get(const toml::table& tbl, std::string_view key, const char* type_name) {
        const toml::node* n = tbl.get(key);
        if (!n) return std::nullopt;
        if (auto v = n->value_exact<T>()) return *v;
        error(n->source(), "'" + std::string(key) + "' must be " + type_name);
        return std::nullopt;
    }

    std::optional<std::string> string(const toml::table& t, std::string_view k) { return get<std::string>(t, k, "a string"); }
    std::optional<bool> boolean(const toml::table& t, std::string_view k) { return get<bool>(t, k, "true or false"); }

    // An integer in [min, max].
    std::optional<std::int64_t> integer(const toml::table& t, std::string_view k, std::int64_t min, std::int64_t max) {
        auto v = get<std::int64_t>(t, k, "an integer");
        if (!v) return std::nullopt;
        if (*v < min || *v > max) {
            error(t.get(k)->source(), "'" + std::string(k) + "' must be between " + std::to_string(min) + " and " +
                                          std::to_string(max) + ", not " + std::to_string(*v));
            return std::nullopt;
        }
        return v;
    }

    std::optional<std::vector<std::string>> strings(const toml::table& t, std::string_view k) {
        const toml::node* n = t.get(k);
        if (!n) return std::nullopt;
        const auto* arr = n->as_array();
        if (!arr) {
            error(n->source(), "'" + std::string(k) + "' must be an array of strings");
            return std::nullopt;
        }
        std::vector<std::string> out;
        bool ok = true;
        for (const auto& item : *arr) {
            if (auto s = item.value_exact<std::string>()) out.push_back(*s);
            else error(item.source(), "'" + std::string(k) + "' must contain only strings"), ok = false;
        }
        if (!ok) return std::nullopt;
        return out;
    }

    const std::string& source() const { return source_; }

private:
    std::string source_;
    std::vector<diagnostic>& errors_;
};

void read_listener(reader& r, const toml::table& t, listener& l) {
    r.check_keys(t,
                 {"name", "service", "address", "port", "tls", "plaintext_auth", "apop", "mechanisms",
                  "max_connections", "max_connections_per_ip", "idle_timeout", "auth_failure_delay_ms",
                  "max_auth_failure_delay_ms", "max_bad_commands", "max_auth_failures"},
                 "[[listener]]");
    l.source_line = static_cast<int>(t.source().begin.line);
    if (auto v = r.string(t, "name")) {
        if (v->empty()) r.error(t.get("name")->source(), "'name' must not be empty");
        l.name = *v;
    } else if (!t.get("name")) {
        r.error(t.source(), "[[listener]] needs a 'name'");
    }
    if (auto v = r.string(t, "service")) {
        if (*v != "pop3") r.error(t.get("service")->source(), "unknown service '" + *v + "' (known: pop3)");
    }
    if (auto v = r.string(t, "address")) {
        if (!valid_ip_literal(*v))
            r.error(t.get("address")->source(), "'address' must be an IPv4 or IPv6 address, not '" + *v + "'");
        l.address = *v;
    }
    if (auto v = r.integer(t, "port", 0, 65535)) l.port = static_cast<std::uint16_t>(*v);
    if (auto v = r.string(t, "tls")) {
        if (*v == "none") l.tls = tls_mode::none;
        else if (*v == "starttls") l.tls = tls_mode::starttls;
        else if (*v == "implicit") l.tls = tls_mode::implicit;
        else r.error(t.get("tls")->source(), "'tls' must be \"none\", \"starttls\" or \"implicit\", not '" + *v + "'");
    }
    if (auto v = r.boolean(t, "plaintext_auth")) l.plaintext_auth = *v;
    if (auto v = r.boolean(t, "apop")) l.apop = *v;
    if (auto v = r.strings(t, "mechanisms")) {
        l.mechanisms.clear();
        for (const auto& m : *v) {
            auto name = upper(m);
            if (std::find(known_mechanisms.begin(), known_mechanisms.end(), name) == known_mechanisms.end())
                r.error(t.get("mechanisms")->source(),
                        "unknown mechanism '" + m + "' (known: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256)");
            else if (std::find(l.mechanisms.begin(), l.mechanisms.end(), name) != l.mechanisms.end())
                r.error(t.get("mechanisms")->source(), "mechanism '" + name + "' listed twice");
            else
                l.mechanisms.push_back(name);
        }
    }
    if (auto v = r.integer(t, "max_connections", 1, 1'000'000)) l.max_connections = static_cast<unsigned>(*v);
    if (auto v = r.integer(t, "max_connections_per_ip", 1, 1'000'000)) l.max_connections_per_ip = static_cast<unsigned>(*v);
    if (l.max_connections_per_ip > l.max_connections)
        r.error(t.source(), "'max_connections_per_ip' (" + std::to_string(l.max_connections_per_ip) +
                                ") is more than 'max_connections' (" + std::to_string(l.max_connections) + ")");
    if (auto v = r.integer(t, "idle_timeout", 1, 86400)) l.idle_timeout = std::chrono::seconds(*v);
    if (auto v = r.integer(t, "auth_failure_delay_ms", 0, 600'000)) l.auth_failure_delay = std::chrono::milliseconds(*v);
    if (auto v = r.integer(t, "max_auth_failure_delay_ms", 0, 600'000))
        l.max_auth_failure_delay = std::chrono::milliseconds(*v);
    if (l.max_auth_failure_delay < l.auth_failure_delay)
        r.error(t.source(), "'max_auth_failure_delay_ms' is less than 'auth_failure_delay_ms'");
    if (auto v = r.integer(t, "max_bad_commands", 1, 1000)) l.max_bad_commands = static_cast<unsigned>(*v);
    if (auto v = r.integer(t, "max_auth_failures", 1, 1000)) l.max_auth_failures = static_cast<unsigned>(*v);
}

void read_document(reader& r, const toml::table& doc, settings& s) {
    r.check_keys(doc, {"hostname", "data_dir", "domains", "log_level", "pop_before_smtp_window", "tls", "listener"}, "");
    if (auto v = r.string(doc, "hostname")) {
        if (!valid_host_name(*v)) r.error(doc.get("hostname")->source(), "'hostname' is not a valid host name: '" + *v + "'");
        s.hostname = *v;
    }
    if (auto v = r.string(doc, "data_dir")) {
        if (v->empty()) r.error(doc.get("data_dir")->source(), "'data_dir' must not be empty");
        s.data_dir = *v;
    }
    if (auto v = r.strings(doc, "domains")) {
        for (const auto& d : *v) {
            auto name = lower(d);
            if (!valid_host_name(name)) r.error(doc.get("domains")->source(), "not a valid domain: '" + d + "'");
            else if (std::find(s.domains.begin(), s.domains.end(), name) == s.domains.end()) s.domains.push_back(name);
        }
    }
    if (auto v = r.string(doc, "log_level")) {
        if (std::find(log_levels.begin(), log_levels.end(), *v) == log_levels.end())
            r.error(doc.get("log_level")->source(),
                    "'log_level' must be one of trace, debug, info, warn, error, critical, off; not '" + *v + "'");
        s.log_level = *v;
    }
    if (auto v = r.integer(doc, "pop_before_smtp_window", 1, 86400 * 7)) s.pop_before_smtp_window = std::chrono::seconds(*v);

    if (const toml::node* n = doc.get("tls")) {
        if (const auto* t = n->as_table()) {
            r.check_keys(*t, {"cert", "key"}, "[tls]");
            auto cert = r.string(*t, "cert");
            auto key = r.string(*t, "key");
            if (cert.has_value() != key.has_value()) r.error(t->source(), "[tls] needs both 'cert' and 'key', or neither");
            if (cert) s.tls_cert = *cert;
            if (key) s.tls_key = *key;
        } else {
            r.error(n->source(), "'tls' must be a table: [tls]");
        }
    }

    if (const toml::node* n = doc.get("listener")) {
        const auto* arr = n->as_array();
        if (!arr || !arr->is_array_of_tables()) {
            r.error(n->source(), "'listener' must be an array of tables: [[listener]]");
            return;
        }
        std::set<std::string> names;
        std::set<std::pair<std::string, std::uint16_t>> endpoints;
        for (const auto& item : *arr) {
            const auto& t = *item.as_table();
            listener l;
            read_listener(r, t, l);
            if (!l.name.empty() && !names.insert(l.name).second)
                r.error(t.source(), "listener name '" + l.name + "' is used twice");
            if (l.port != 0 && !endpoints.insert({l.address, l.port}).second)
                r.error(t.source(), "two listeners on " + l.address + " port " + std::to_string(l.port));
            s.listeners.push_back(std::move(l));
        }
    } else {
        s.listeners = embedded_defaults().listeners;
    }
}

}  // namespace

std::string diagnostic::format() const {
    return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

load_result parse(std::string_view toml_text, std::string source_name) {
    load_result out;
    toml::table doc;
    try {
        doc = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        out.errors.push_back({source_name, static_cast<int>(e.source().begin.line),
                              static_cast<int>(e.source().begin.column), std::string(e.description())});
        return out;
    }
    settings s = embedded_defaults();
    s.listeners.clear();
    reader r(source_name, out.errors);
    read_document(r, doc, s);
    if (out.errors.empty()) out.cfg = std::move(s);
    return out;
}

load_result load_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {std::nullopt, {{file.string(), 0, 0, "cannot read the file"}}};
    std::stringstream text;
    text << in.rdbuf();
    auto out = parse(text.str(), file.string());
    if (out.cfg) {
        // Relative paths are relative to the configuration file, not to
        // wherever the server happens to be started.
        const auto base = file.parent_path();
        auto anchor = [&](std::filesystem::path& p) {
            if (!p.empty() && p.is_relative()) p = base / p;
        };
        anchor(out.cfg->data_dir);
        anchor(out.cfg->tls_cert);
        anchor(out.cfg->tls_key);
    }
    return out;
}

}  // namespace mailroom::config
