// mailroom dev: the sandbox for mail-client developers (issue #14; README
// "Sandbox for mail-client developers"): every protocol at every security
// level, any login, every message captured. Options here; the server is
// sandbox::run_dev (sandbox/dev_server.hpp).
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "sandbox/dev_server.hpp"

namespace mailroom::cli {

void add_dev(CLI::App& app) {
    auto o = std::make_shared<sandbox::dev_options>();
    auto* cmd = app.add_subcommand("dev", "Run the sandbox: all protocols, any login accepted, every message captured");
    cmd->add_option("--data-dir", o->data_dir, "Keep the sandbox's data here (default: a temporary directory)");
    cmd->add_flag("--keep", o->keep, "Do not remove the temporary data directory at exit");
    cmd->add_option("--port-base", o->port_base,
                    "Ports N+25, N+587, N+465, N+110, N+995, N+143, N+993, HTTP N+8025; 0: the system picks")
        ->check(CLI::Range(0u, sandbox::max_port_base));
    cmd->add_option("--config", o->config_file, "A mailroom.toml whose settings (and [[listener]]s) are used")
        ->check(CLI::ExistingFile);
    cmd->add_option("--users", o->users_file, "Strict logins: \"address password\" per line")->check(CLI::ExistingFile);
    cmd->add_option("--faults", o->faults_file, "A fault scenario (TOML) loaded at start")->check(CLI::ExistingFile);
    cmd->add_flag("--show-passwords", o->show_passwords, "Show passwords in recorded sessions as the client sent them");
    cmd->add_option("--http", o->http,
                    "Web page and API address ADDR:PORT (default 127.0.0.1:8025; not loopback: a token)");
    cmd->callback([o] {
        const int rc = sandbox::run_dev(*o);
        if (rc != 0) throw CLI::RuntimeError(rc);
    });
}

}  // namespace mailroom::cli
