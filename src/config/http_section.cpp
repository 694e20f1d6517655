#include <array>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 7> http_keys{"enabled",         "address",          "port",
                                                    "max_connections", "max_header_bytes", "max_body_bytes",
                                                    "idle_timeout"};

// Beyond these a limit protects nothing any more.
constexpr std::int64_t max_connections = 100'000;
constexpr std::int64_t max_header_bytes = 1 << 20;  // 1 MiB
constexpr std::int64_t max_body_bytes = 1LL << 30;  // 1 GiB
constexpr std::int64_t max_idle_seconds = 3600;

}  // namespace

void read_http(fields& f, const toml::table& doc, settings& s) {
    const toml::node* n = doc.get("http");
    if (!n) return;
    const toml::table* t = n->as_table();
    if (!t) {
        f.error(*n, "'http' must be a table ([http]), not " + std::string(type_phrase(n->type())));
        return;
    }
    auto& h = s.http;
    h.source_line = static_cast<int>(t->source().begin.line);
    f.only_keys(*t, http_keys, "[http]");
    if (auto v = f.boolean(*t, "enabled")) h.enabled = *v;
    if (auto v = f.string(*t, "address")) {
        if (is_ip_literal(*v)) h.address = *v;
        else f.error(*t->get("address"), "[http] 'address' must be an IPv4 or IPv6 address, not '" + *v + "'");
    }
    if (auto v = f.integer(*t, "port", 0, 65535)) h.port = static_cast<std::uint16_t>(*v);
    if (auto v = f.integer(*t, "max_connections", 1, max_connections))
        h.limits.max_connections = static_cast<unsigned>(*v);
    // A request line alone may need a few hundred bytes.
    if (auto v = f.integer(*t, "max_header_bytes", 512, max_header_bytes))
        h.limits.max_header_bytes = static_cast<std::size_t>(*v);
    if (auto v = f.integer(*t, "max_body_bytes", 0, max_body_bytes))
        h.limits.max_body_bytes = static_cast<std::size_t>(*v);
    if (auto v = f.integer(*t, "idle_timeout", 1, max_idle_seconds)) h.limits.idle_timeout = std::chrono::seconds(*v);
}

}  // namespace mailroom::config::detail
