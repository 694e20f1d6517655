// The subcommands of the mailroom binary, one file each; main.cpp wires
// them into CLI11. Each add_* registers its options and its callback.
#pragma once

#include <CLI/App.hpp>
#include <memory>

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
void add_pop3(CLI::App& app);

struct pop3_cli_options;
// `mailroom pop3 fetch`, registered by add_pop3 (pop3_fetch.cpp).
void add_pop3_fetch(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o);
void add_imap(CLI::App& app);
void add_proxy(CLI::App& app);
void add_dev(CLI::App& app);  // mailroom dev (dev.cpp)

}  // namespace mailroom::cli
