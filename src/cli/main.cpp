// mailroom: one binary, subcommands for the server and its tools.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"

int main(int argc, char** argv) {
    CLI::App app{"mailroom - a self-hosted mail system in one program"};
    app.require_subcommand(1);
    mailroom::cli::add_serve(app);
    mailroom::cli::add_reload(app);
    mailroom::cli::add_user(app);
    mailroom::cli::add_domain(app);
    mailroom::cli::add_alias(app);
    mailroom::cli::add_inject(app);
    mailroom::cli::add_config(app);
    mailroom::cli::add_queue(app);
    mailroom::cli::add_send(app);
    mailroom::cli::add_pop3(app);
    mailroom::cli::add_imap(app);
    mailroom::cli::add_proxy(app);
    mailroom::cli::add_dev(app);

    auto logger = spdlog::stderr_logger_mt("mailroom");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    spdlog::set_default_logger(logger);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // A usage error exits 1 (CLI11's own codes are 100 and up); help
        // exits 0; a command's CLI::RuntimeError keeps its code.
        const int code = app.exit(e);
        return code == 0 || e.get_name() == "RuntimeError" ? code : 1;
    } catch (const mailroom::cli::cli_error& e) {
        std::cerr << "mailroom: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mailroom: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
