// config::detail section readers: one TOML document → settings, one part at
// a time, every problem recorded through `fields`. Private to src/config.
#pragma once

#include <toml++/toml.h>

#include "config/fields.hpp"
#include "config/settings.hpp"

namespace mailroom::config::detail {

// The top-level keys (hostname, data_dir, domains, log_level,
// pop_before_smtp_window) and the check that no other key is there.
void read_top_level(fields& f, const toml::table& doc, settings& s);

// [tls]: cert and key, both or neither.
void read_tls(fields& f, const toml::table& doc, settings& s);

// Every [[listener]], then the checks between them (unique names, no two on
// one address and port); without any, the embedded default listeners.
void read_listeners(fields& f, const toml::table& doc, settings& s);

// [delivery] with [delivery.routes] and [delivery.smarthost]: outbound
// delivery, every key optional (struct defaults). A smarthost's
// password_file is read here, relative to the directory of f.source().
void read_delivery(fields& f, const toml::table& doc, settings& s);

// [http]: the HTTP listener's address and limits, every key optional.
void read_http(fields& f, const toml::table& doc, settings& s);

// One [[listener]] table on its own, struct defaults for what it leaves out.
listener read_listener(fields& f, const toml::table& t);

// Every [[proxy]] (proxy_section.cpp); password files relative to the
// directory of f.source().
void read_proxies(fields& f, const toml::table& doc, settings& s);

}  // namespace mailroom::config::detail
