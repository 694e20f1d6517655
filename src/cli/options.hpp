// Options every subcommand shares (--config, --data-dir) and the helpers
// they need: load the settings, open the user directory, read a password.
// Errors here throw cli_error: main prints it and exits 1.
#pragma once

#include <CLI/App.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/secret.hpp"
#include "config/settings.hpp"
#include "storage/userdb.hpp"

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

std::unique_ptr<storage::userdb> open_userdb(const config::settings& cfg);

// A new password: prompted twice without echo on a terminal, else the
// first line of standard input.
secret read_new_password();

}  // namespace mailroom::cli
