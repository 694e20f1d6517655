// Options every subcommand shares (--config, --data-dir) and the helpers
// they need: load the settings, open the user directory, turn its errors
// into messages, read a password. Errors here throw cli_error: main prints
// it and exits 1.
#pragma once

#include <CLI/App.hpp>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "common/errors.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "config/settings.hpp"
#include "storage/sqlite/userdb.hpp"

namespace mailroom::cli {

struct cli_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct common_options {
    std::string config_file;
    std::string data_dir;
};

void add_common_options(CLI::App& cmd, common_options& opts);

// The settings from --config (or the embedded defaults), with --data-dir
// applied. Throws cli_error listing every configuration error.
config::settings load_settings(const common_options& opts);

// Run as root with `user` in the configuration, the command becomes that
// user (server/privileges.hpp) before it touches the data directory, so
// what it creates there is the server's; else nothing happens.
void become_service_user(const config::settings& cfg);

// The user directory, after become_service_user().
std::unique_ptr<storage::userdb> open_userdb(const config::settings& cfg);
// The same, from the settings the options name.
std::unique_ptr<storage::userdb> open_userdb(const common_options& opts);

// What to tell the administrator for one expected error code.
struct error_text {
    errc code;
    std::string text;
};

// Throws cli_error if ec is set: the text `known` pairs with its code, else
// "<action>: <ec.message()>".
void throw_on_error(std::error_code ec, const std::string& action, std::initializer_list<error_text> known = {});

// The value, or throw_on_error(r.error(), action, known).
template <class T>
T value_or_throw(result<T> r, const std::string& action, std::initializer_list<error_text> known = {}) {
    if (!r) throw_on_error(r.error(), action, known);
    return std::move(*r);
}

// A new password: prompted twice without echo on a terminal, else the
// first line of standard input.
secret read_new_password();

}  // namespace mailroom::cli
