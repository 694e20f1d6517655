// mailroom serve: runs the server (see server/server.hpp); mailroom reload:
// asks the running one to re-read its configuration (server/reloader.hpp).
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/queue_control.hpp"
#include "common/log_format.hpp"
#include "server/server.hpp"

namespace mailroom::cli {
namespace {

// One descriptor per connection: raise the soft limit (often 1024) to the
// hard one, so that max_connections, not the default rlimit, is the bound.
void raise_open_files_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    const rlim_t before = lim.rlim_cur;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = before;
    }
    spdlog::info("open files limit={} was={}", lim.rlim_cur, before);
}

}  // namespace

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
        // The same steps again at each reload: the file, then the options.
        const auto read = [opts] {
            auto cfg = load_settings(opts->common);
            for (const auto& d : opts->domains) {
                auto canon = storage::canonical_address("postmaster@" + d);
                if (!canon) throw cli_error("not a domain name: " + d);
                cfg.domains.push_back(canon->substr(canon->find('@') + 1));
            }
            return cfg;
        };
        auto cfg = read();
        spdlog::set_level(spdlog::level::from_str(cfg.log_level));
        use_log_format(cfg.log_format);
        raise_open_files_limit();
        int rc = server::run(std::move(cfg), read);
        if (rc != 0) std::exit(rc);
    });
}

void add_reload(CLI::App& app) {
    auto opts = std::make_shared<common_options>();
    auto* cmd =
        app.add_subcommand("reload",
                           "Make the running server re-read its configuration and TLS certificate (as SIGHUP does)");
    add_common_options(*cmd, *opts);
    cmd->callback([opts] { server_reload(*opts); });
}

}  // namespace mailroom::cli
