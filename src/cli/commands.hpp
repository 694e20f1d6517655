// The subcommands of the mailroom binary, one file each; main.cpp wires
// them into CLI11. Each add_* registers its options and its callback.
#pragma once

#include <CLI/App.hpp>

namespace mailroom::cli {

void add_serve(CLI::App& app);
void add_reload(CLI::App& app);
void add_user(CLI::App& app);
void add_domain(CLI::App& app);
void add_alias(CLI::App& app);
void add_inject(CLI::App& app);
void add_config(CLI::App& app);
void add_queue(CLI::App& app);
void add_send(CLI::App& app);
void add_proxy(CLI::App& app);

}  // namespace mailroom::cli
