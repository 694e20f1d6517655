// The options `mailroom imap` shares between its subcommands (server, TLS,
// login, trace, timeouts), their translation into client::imap_options,
// the exit codes (the same as `mailroom pop3`), and run_imap(), which runs
// one session in its own io_context. Callers: imap.cpp, imap_fetch.cpp.
#pragma once

#include <CLI/App.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "cli/client_exit.hpp"
#include "client/imap_connection.hpp"

namespace mailroom::cli {

// Exit codes of `mailroom imap`, stable (README "mailroom imap"), as `mailroom pop3`'s.
namespace imap_exit = client_exit;  // cli/client_exit.hpp

struct imap_cli_options {
    std::string server = "localhost";
    std::string user;
    std::string tls;  // none | starttls | implicit; "" = implicit on port 993, else starttls
    bool insecure = false;
    std::string ca_file;
    std::string auth = "auto";
    std::string password_file;
    bool allow_plaintext = false;
    bool trace = false;
    unsigned timeout_s = 60;
};

void add_imap_options(CLI::App& cmd, imap_cli_options& o);

// Validates the options, reads the password (when a user is given) and
// builds the driver's options. Throws cli_error (exit 1) on bad options.
client::imap_options make_imap_options(const imap_cli_options& o);

// Opens a session with `o`, runs `body` on it, logs out; a failure is
// reported on stderr. Returns the exit code (body's, or the failure's).
using imap_body = std::function<boost::asio::awaitable<int>(client::imap_connection&)>;
int run_imap(const imap_cli_options& o, const imap_body& body);
int run_imap(client::imap_options opt, const imap_body& body);

// Ends the subcommand with `code` (CLI11 turns a RuntimeError into the exit code).
void exit_with(int code);

// Reports a session that ended early on stderr; returns its exit code.
int report_failure(const client::imap_connection& c);
// Reports a command's NO/BAD on stderr; returns imap_exit::command.
int report_refusal(std::string_view what, const imap::client::command_done& d);

// `mailroom imap fetch` (imap_fetch.cpp), added by add_imap.
void add_imap_fetch(CLI::App& imap, const std::shared_ptr<imap_cli_options>& o);

// A folder name from the command line (UTF-8) as IMAP4rev1 sends it
// (modified UTF-7, RFC 3501 §5.1.3), and back for display.
std::string folder_to_wire(const std::string& utf8);
std::string folder_from_wire(const std::string& wire);

}  // namespace mailroom::cli
