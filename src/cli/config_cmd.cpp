// mailroom config check FILE: validates a configuration file and prints
// every error as file:line:col: message.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/loader.hpp"

namespace mailroom::cli {

void add_config(CLI::App& app) {
    auto file = std::make_shared<std::string>();
    auto* config = app.add_subcommand("config", "Configuration tools");
    config->require_subcommand(1);
    auto* check = config->add_subcommand("check", "Check a configuration file");
    check->add_option("file", *file, "TOML file")->required();
    check->callback([file] {
        auto loaded = config::load_file(*file);
        for (const auto& d : loaded.errors) std::cerr << d.format() << "\n";
        if (!loaded.cfg) throw cli_error(std::to_string(loaded.errors.size()) + " error(s) in " + *file);
        std::cout << *file << ": OK, " << loaded.cfg->listeners.size() << " listener(s)\n";
    });
}

}  // namespace mailroom::cli
