#include <algorithm>
#include <array>

#include "config/sections.hpp"
#include "config/validate.hpp"

namespace mailroom::config::detail {
namespace {

constexpr std::array<std::string_view, 9>
    top_level_keys{"hostname",         "data_dir", "domains",  "log_level", "pop_before_smtp_window",
                   "trusted_networks", "tls",      "listener", "delivery"};
constexpr std::int64_t max_pop_before_smtp_window = 7 * 24 * 3600;  // a week

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

    if (auto v = f.integer(doc, "pop_before_smtp_window", 1, max_pop_before_smtp_window))
        s.pop_before_smtp_window = std::chrono::seconds(*v);

    if (auto v = f.strings(doc, "trusted_networks")) {
        s.trusted_networks.clear();
        for (const auto& item : *v) {
            if (is_cidr(item.value)) s.trusted_networks.push_back(item.value);
            else
                f.error(*item.node, "'trusted_networks': '" + item.value +
                                        "' is not a network like \"127.0.0.0/8\" or \"::1/128\"");
        }
    }
}

}  // namespace mailroom::config::detail
