#include "cli/options.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "config/loader.hpp"
#include "server/privileges.hpp"
#include "server/server.hpp"

namespace mailroom::cli {

void add_common_options(CLI::App& cmd, common_options& opts) {
    cmd.add_option("-c,--config", opts.config_file, "Configuration file (TOML)")->check(CLI::ExistingFile);
    cmd.add_option("-d,--data-dir", opts.data_dir, "Data directory (default ./mailroom-data)");
}

config::settings load_settings(const common_options& opts) {
    config::settings cfg;
    if (opts.config_file.empty()) {
        cfg = config::embedded_defaults();
    } else {
        auto loaded = config::load_file(opts.config_file);
        if (!loaded.cfg) {
            std::string msg = "invalid configuration:";
            for (const auto& d : loaded.errors) msg += "\n  " + d.format();
            throw cli_error(msg);
        }
        cfg = std::move(*loaded.cfg);
    }
    if (!opts.data_dir.empty()) cfg.data_dir = opts.data_dir;
    return cfg;
}

void become_service_user(const config::settings& cfg) {
    if (::geteuid() != 0 || cfg.user.empty()) return;
    try {
        const auto who = server::plan_privileges(cfg, 0);
        if (!who) return;
        const bool made = std::filesystem::create_directories(cfg.data_dir);
        if (made) server::hand_over(cfg.data_dir, *who);
        server::drop_to(*who, false);
    } catch (const std::exception& e) {
        throw cli_error(e.what());
    }
}

std::unique_ptr<storage::userdb> open_userdb(const config::settings& cfg) {
    become_service_user(cfg);
    std::error_code ec;
    std::filesystem::create_directories(cfg.data_dir, ec);
    if (ec) throw cli_error("cannot create " + cfg.data_dir.string() + ": " + ec.message());
    auto db = storage::userdb::open(server::database_path(cfg));
    if (!db) throw cli_error("cannot open " + server::database_path(cfg).string() + ": " + db.error().message());
    return std::move(*db);
}

std::unique_ptr<storage::userdb> open_userdb(const common_options& opts) { return open_userdb(load_settings(opts)); }

void throw_on_error(std::error_code ec, const std::string& action, std::initializer_list<error_text> known) {
    if (!ec) return;
    for (const auto& k : known)
        if (ec == k.code) throw cli_error(k.text);
    throw cli_error(action + ": " + ec.message());
}

namespace {

std::string prompt_hidden(const char* prompt) {
    std::cerr << prompt << std::flush;
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
}

}  // namespace

secret read_new_password() {
    std::string pw;
    if (::isatty(STDIN_FILENO)) {
        secret first(prompt_hidden("New password: "));
        secret again(prompt_hidden("Repeat password: "));
        if (first.reveal() != again.reveal()) throw cli_error("the passwords differ");
        pw = std::string(first.reveal());
    } else if (!std::getline(std::cin, pw)) {
        throw cli_error("no password on standard input");
    }
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    secret out(std::move(pw));
    if (out.empty()) throw cli_error("the password is empty");
    return out;
}

}  // namespace mailroom::cli
