// The options `mailroom pop3` shares between its subcommands (server, TLS,
// login, trace, timeouts), their translation into client::pop3_options
// (password from --password-file, MAILROOM_PASSWORD or a /dev/tty prompt,
// never argv), the exit codes, and run_pop3(), which runs one session in
// its own io_context. Callers: pop3.cpp, pop3_fetch.cpp.
#pragma once

#include <CLI/App.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "cli/client_exit.hpp"
#include "client/pop3_connection.hpp"
#include "common/secret.hpp"

namespace mailroom::cli {

// Exit codes of `mailroom pop3`, stable (README "mailroom pop3").
namespace pop3_exit = client_exit;  // cli/client_exit.hpp

struct pop3_cli_options {
    std::string server = "localhost";
    std::string user;
    std::string tls;  // none | starttls | implicit; "" = implicit on port 995, else starttls
    bool insecure = false;
    std::string ca_file;
    std::string auth = "auto";
    std::string password_file;
    bool allow_plaintext = false;
    bool trace = false;
    unsigned timeout_s = 60;
};

void add_pop3_options(CLI::App& cmd, pop3_cli_options& o);

// The password: the first line of password_file, else MAILROOM_PASSWORD,
// else a prompt on /dev/tty with echo off. Throws cli_error when none.
secret read_client_password(const std::string& password_file, const std::string& prompt);

// Validates the options, reads the password (when a user is given) and
// builds the driver's options. Throws cli_error (exit 1) on bad options.
client::pop3_options make_pop3_options(const pop3_cli_options& o);

// Opens a session with `o`, then runs `body` on it; a failure to open is
// reported on stderr. Returns the exit code (body's, or the failure's).
using pop3_body = std::function<boost::asio::awaitable<int>(client::pop3_connection&)>;
int run_pop3(const pop3_cli_options& o, const pop3_body& body);
int run_pop3(client::pop3_options opt, const pop3_body& body);

// Reports a session that ended early on stderr; returns its exit code.
int report_failure(const client::pop3_connection& c);

}  // namespace mailroom::cli
