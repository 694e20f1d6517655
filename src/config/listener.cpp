#include <algorithm>
#include <array>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 20> listener_keys{"name",
                                                         "service",
                                                         "address",
                                                         "port",
                                                         "tls",
                                                         "plaintext_auth",
                                                         "apop",
                                                         "mechanisms",
                                                         "max_connections",
                                                         "max_connections_per_ip",
                                                         "idle_timeout",
                                                         "auth_failure_delay_ms",
                                                         "max_auth_failure_delay_ms",
                                                         "max_bad_commands",
                                                         "max_bad_commands_after_login",
                                                         "max_auth_failures",
                                                         "max_message_bytes",
                                                         "max_recipients",
                                                         "tls_handshake_timeout",
                                                         "pop_before_smtp"};
constexpr std::int64_t max_message_limit = std::int64_t{1} << 40;  // 1 TiB: any larger is a typo

constexpr std::int64_t max_count = 1'000'000;         // connections, commands, failures
constexpr std::int64_t max_idle_timeout = 24 * 3600;  // seconds
constexpr std::int64_t max_delay_ms = 600'000;        // ten minutes
constexpr std::int64_t max_handshake_timeout = 300;   // seconds

unsigned as_unsigned(std::int64_t v) { return static_cast<unsigned>(v); }

void read_identity(fields& f, const toml::table& t, listener& l) {
    if (auto v = f.string(t, "name")) {
        l.name = *v;
        if (!is_listener_name(*v))
            f.error(*t.get("name"), "'name' must be 1 to 64 letters, digits, '-', '_' or '.', not '" + *v + "'");
    } else if (!t.contains("name")) {
        f.error(t, "[[listener]] needs a 'name'");
    }
    if (auto v = f.string(t, "service")) {
        if (auto kind = service_from(*v)) l.service = *kind;
        else f.error(*t.get("service"), "'service' must be one of " + joined(services) + "; not '" + *v + "'");
    }
}

void read_endpoint(fields& f, const toml::table& t, listener& l) {
    if (auto v = f.string(t, "address")) {
        // Kept even when invalid: listeners.cpp compares only valid ones.
        l.address = *v;
        if (!is_ip_literal(*v))
            f.error(*t.get("address"), "'address' must be an IPv4 or IPv6 address, not '" + *v + "'");
    }
    if (auto v = f.integer(t, "port", 0, 65535)) l.port = static_cast<std::uint16_t>(*v);
    if (auto v = f.string(t, "tls")) {
        if (auto mode = tls_mode_from(*v)) l.tls = *mode;
        else f.error(*t.get("tls"), "'tls' must be one of " + joined(tls_modes) + "; not '" + *v + "'");
    }
    if (auto v = f.integer(t, "tls_handshake_timeout", 1, max_handshake_timeout))
        l.tls_handshake_timeout = std::chrono::seconds(*v);
}

void read_authentication(fields& f, const toml::table& t, listener& l) {
    if (auto v = f.boolean(t, "plaintext_auth")) l.plaintext_auth = *v;
    if (auto v = f.boolean(t, "apop")) l.apop = *v;
    if (auto v = f.boolean(t, "pop_before_smtp")) {
        l.pop_before_smtp = *v;
        // Read after read_identity: the service is known.
        if (*v && l.service != service_kind::smtp)
            f.error(*t.get("pop_before_smtp"), "'pop_before_smtp' applies to 'smtp' listeners only");
    }
    if (auto v = f.strings(t, "mechanisms")) {
        l.mechanisms.clear();
        for (const auto& item : *v) {
            auto name = sasl_mechanism_from(item.value);
            if (!name)
                f.error(*item.node, "'mechanisms': unknown SASL mechanism '" + item.value +
                                        "' (known: " + joined(sasl_mechanisms) + ")");
            else if (std::find(l.mechanisms.begin(), l.mechanisms.end(), *name) != l.mechanisms.end())
                f.error(*item.node, "'mechanisms': '" + *name + "' is listed twice");
            else l.mechanisms.push_back(std::move(*name));
        }
    }
}

// max_connections_per_ip <= max_connections; left out, it is at most
// max_connections.
void read_connection_limits(fields& f, const toml::table& t, listener& l) {
    const auto total = f.integer(t, "max_connections", 1, max_count);
    if (total) l.max_connections = as_unsigned(*total);
    const bool total_usable = total || !t.contains("max_connections");
    if (auto per_ip = f.integer(t, "max_connections_per_ip", 1, max_count)) {
        l.max_connections_per_ip = as_unsigned(*per_ip);
        if (total_usable && l.max_connections_per_ip > l.max_connections)
            f.error(*t.get("max_connections_per_ip"),
                    "'max_connections_per_ip' (" + std::to_string(l.max_connections_per_ip) +
                        ") is more than 'max_connections' (" + std::to_string(l.max_connections) + ")");
    } else if (!t.contains("max_connections_per_ip")) {
        l.max_connections_per_ip = std::min(l.max_connections_per_ip, l.max_connections);
    }
    if (auto v = f.integer(t, "idle_timeout", 1, max_idle_timeout)) l.idle_timeout = std::chrono::seconds(*v);
}

void read_message_limits(fields& f, const toml::table& t, listener& l) {
    if (auto v = f.integer(t, "max_message_bytes", 1024, max_message_limit))
        l.max_message_bytes = static_cast<std::uint64_t>(*v);
    if (auto v = f.integer(t, "max_recipients", 100, max_count)) l.max_recipients = as_unsigned(*v);
}

// max_auth_failure_delay_ms >= auth_failure_delay_ms; left out, it is at
// least auth_failure_delay_ms.
void read_failure_limits(fields& f, const toml::table& t, listener& l) {
    const auto first = f.integer(t, "auth_failure_delay_ms", 0, max_delay_ms);
    if (first) l.auth_failure_delay = std::chrono::milliseconds(*first);
    const bool first_usable = first || !t.contains("auth_failure_delay_ms");
    if (auto most = f.integer(t, "max_auth_failure_delay_ms", 0, max_delay_ms)) {
        l.max_auth_failure_delay = std::chrono::milliseconds(*most);
        if (first_usable && l.max_auth_failure_delay < l.auth_failure_delay)
            f.error(*t.get("max_auth_failure_delay_ms"), "'max_auth_failure_delay_ms' (" +
                                                             std::to_string(l.max_auth_failure_delay.count()) +
                                                             ") is less than 'auth_failure_delay_ms' (" +
                                                             std::to_string(l.auth_failure_delay.count()) + ")");
    } else if (!t.contains("max_auth_failure_delay_ms")) {
        l.max_auth_failure_delay = std::max(l.max_auth_failure_delay, l.auth_failure_delay);
    }
    if (auto v = f.integer(t, "max_bad_commands", 1, max_count)) l.max_bad_commands = as_unsigned(*v);
    if (auto v = f.integer(t, "max_bad_commands_after_login", 1, max_count))
        l.max_bad_commands_after_login = as_unsigned(*v);
    if (auto v = f.integer(t, "max_auth_failures", 1, max_count)) l.max_auth_failures = as_unsigned(*v);
}

}  // namespace

listener read_listener(fields& f, const toml::table& t) {
    listener l;
    l.source_line = static_cast<int>(t.source().begin.line);
    f.only_keys(t, listener_keys, "[[listener]]");
    read_identity(f, t, l);
    apply_service_defaults(l);  // the engine's limits, before the table's own values
    read_endpoint(f, t, l);
    read_authentication(f, t, l);
    read_connection_limits(f, t, l);
    read_failure_limits(f, t, l);
    read_message_limits(f, t, l);
    return l;
}

}  // namespace mailroom::config::detail
