#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/byte_size.hpp"
#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 21> top_level_keys{"hostname",
                                                          "data_dir",
                                                          "domains",
                                                          "log_level",
                                                          "log_format",
                                                          "default_quota",
                                                          "default_quota_messages",
                                                          "pop_before_smtp_window",
                                                          "trusted_networks",
                                                          "connection_limit_exceptions",
                                                          "login_penalty_delay_ms",
                                                          "login_penalty_max_delay_ms",
                                                          "login_penalty_decay",
                                                          "tls",
                                                          "listener",
                                                          "delivery",
                                                          "user",
                                                          "group",
                                                          "shutdown_timeout",
                                                          "http",
                                                          "proxy"};
constexpr std::int64_t max_pop_before_smtp_window = 7 * 24 * 3600;  // a week
constexpr std::int64_t max_penalty_ms = 600'000;                    // ten minutes
constexpr std::int64_t max_penalty_decay = 24 * 3600;               // a day
constexpr std::int64_t max_shutdown_timeout = 3600;                 // an hour

// A user or group name as useradd(8) takes it: [a-z_][a-z0-9_-]*, an
// optional final '$', at most 32 characters.
bool is_account_name(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    if (s.back() == '$') s.remove_suffix(1);
    if (s.empty() || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
    for (char c : s)
        if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

void read_account(fields& f, const toml::table& doc, std::string_view key, std::string& out) {
    auto v = f.text(doc, key);
    if (!v) return;
    if (is_account_name(*v)) out = *v;
    else
        f.error(*doc.get(key),
                "'" + std::string(key) + "' must be a user or group name like \"mailroom\", not '" + *v + "'");
}

// A list of CIDR networks under `key`, or nullopt when the key is absent.
std::optional<std::vector<std::string>> networks(fields& f, const toml::table& doc, std::string_view key) {
    auto v = f.strings(doc, key);
    if (!v) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (is_cidr(item.value)) out.push_back(item.value);
        else
            f.error(*item.node, "'" + std::string(key) + "': '" + item.value +
                                    "' is not a network like \"127.0.0.0/8\" or \"::1/128\"");
    }
    return out;
}

// login_penalty_max_delay_ms >= login_penalty_delay_ms; left out, it is at
// least login_penalty_delay_ms.
void read_login_penalty(fields& f, const toml::table& doc, settings& s) {
    const auto first = f.integer(doc, "login_penalty_delay_ms", 0, max_penalty_ms);
    if (first) s.login_penalty.delay = std::chrono::milliseconds(*first);
    const bool first_usable = first || !doc.contains("login_penalty_delay_ms");
    if (auto most = f.integer(doc, "login_penalty_max_delay_ms", 0, max_penalty_ms)) {
        s.login_penalty.max_delay = std::chrono::milliseconds(*most);
        if (first_usable && s.login_penalty.max_delay < s.login_penalty.delay)
            f.error(*doc.get("login_penalty_max_delay_ms"), "'login_penalty_max_delay_ms' (" +
                                                                std::to_string(s.login_penalty.max_delay.count()) +
                                                                ") is less than 'login_penalty_delay_ms' (" +
                                                                std::to_string(s.login_penalty.delay.count()) + ")");
    } else if (!doc.contains("login_penalty_max_delay_ms")) {
        s.login_penalty.max_delay = std::max(s.login_penalty.max_delay, s.login_penalty.delay);
    }
    if (auto v = f.integer(doc, "login_penalty_decay", 1, max_penalty_decay))
        s.login_penalty.decay = std::chrono::seconds(*v);
}

// default_quota: octets as an integer or "10M" (K, M, G, T: powers of
// 1024); default_quota_messages: a count. 0 is no limit.
void read_default_quota(fields& f, const toml::table& doc, settings& s) {
    if (const auto* node = doc.get("default_quota")) {
        std::optional<std::uint64_t> bytes;
        if (const auto* i = node->as_integer(); i && i->get() >= 0) bytes = static_cast<std::uint64_t>(i->get());
        else if (const auto* t = node->as_string()) bytes = parse_byte_size(t->get());
        if (bytes) s.default_quota_bytes = *bytes;
        else f.error(*node, "'default_quota' must be a size in octets, or like \"500M\" or \"2G\"");
    }
    if (auto v = f.integer(doc, "default_quota_messages", 0, std::numeric_limits<std::int64_t>::max()))
        s.default_quota_messages = static_cast<std::uint64_t>(*v);
}

}  // namespace

void read_top_level(fields& f, const toml::table& doc, settings& s) {
    f.only_keys(doc, top_level_keys, "");

    if (auto v = f.string(doc, "hostname")) {
        if (is_host_name(*v)) s.hostname = *v;
        else
            f.error(*doc.get("hostname"),
                    "'hostname' must be a host name (labels of letters, digits and '-', separated by dots), not '" +
                        *v + "'");
    }

    if (auto v = f.text(doc, "data_dir")) s.data_dir = *v;

    if (auto v = f.strings(doc, "domains")) {
        s.domains.clear();
        for (const auto& item : *v) {
            auto name = to_lower(item.value);
            if (!is_host_name(name)) f.error(*item.node, "'domains': '" + item.value + "' is not a valid domain name");
            else if (std::find(s.domains.begin(), s.domains.end(), name) != s.domains.end())
                f.error(*item.node, "'domains': '" + name + "' is listed twice");
            else s.domains.push_back(std::move(name));
        }
    }

    if (auto v = f.string(doc, "log_level")) {
        if (is_log_level(*v)) s.log_level = *v;
        else f.error(*doc.get("log_level"), "'log_level' must be one of " + joined(log_levels) + "; not '" + *v + "'");
    }

    if (auto v = f.string(doc, "log_format")) {
        if (*v == "text" || *v == "json") s.log_format = *v;
        else f.error(*doc.get("log_format"), "'log_format' must be \"text\" or \"json\"; not '" + *v + "'");
    }
    read_default_quota(f, doc, s);

    if (auto v = f.integer(doc, "pop_before_smtp_window", 1, max_pop_before_smtp_window))
        s.pop_before_smtp_window = std::chrono::seconds(*v);

    if (auto v = networks(f, doc, "trusted_networks")) s.trusted_networks = std::move(*v);
    if (auto v = networks(f, doc, "connection_limit_exceptions")) s.connection_limit_exceptions = std::move(*v);
    read_login_penalty(f, doc, s);

    read_account(f, doc, "user", s.user);
    read_account(f, doc, "group", s.group);
    if (s.user.empty() && !s.group.empty()) f.error(*doc.get("group"), "'group' needs 'user'");
    if (auto v = f.integer(doc, "shutdown_timeout", 0, max_shutdown_timeout))
        s.shutdown_timeout = std::chrono::seconds(*v);
}

}  // namespace mailroom::config::detail
