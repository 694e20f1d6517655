// mailroom serve: runs the server (see server/server.hpp).
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "server/server.hpp"

namespace mailroom::cli {

void add_serve(CLI::App& app) {
    struct opts_t {
        common_options common;
        std::vector<std::string> domains;
    };
    auto opts = std::make_shared<opts_t>();
    auto* cmd = app.add_subcommand("serve", "Run the mail server");
    add_common_options(*cmd, opts->common);
    cmd->add_option("--domain", opts->domains, "A local domain (repeatable; added to the user directory)");
    cmd->callback([opts] {
        auto cfg = load_settings(opts->common);
        for (const auto& d : opts->domains) {
            auto canon = storage::canonical_address("postmaster@" + d);
            if (!canon) throw cli_error("not a domain name: " + d);
            cfg.domains.push_back(canon->substr(canon->find('@') + 1));
        }
        spdlog::set_level(spdlog::level::from_str(cfg.log_level));
        int rc = server::run(std::move(cfg));
        if (rc != 0) std::exit(rc);
    });
}

}  // namespace mailroom::cli
