// mailroom pop3 [options] SUBCOMMAND: a POP3 client for people testing a
// server or a setup (the other side of mpop/fetchmail): capa, stat, list,
// uidl, top, retr (exact bytes to stdout), dele, and fetch (pop3_fetch.cpp)
// over client::pop3_connection. Options and exit codes: pop3_options.hpp.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/pop3_options.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;

// Writes all of a body piece to stdout (exact bytes: no stream buffering
// or conversion); false when stdout is gone.
bool write_stdout(std::string_view piece) {
    while (!piece.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, piece.data(), piece.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        piece.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// A message number as RFC 1939 §5 wants it: a positive decimal.
std::string message_number(const std::string& s) {
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos || s == "0" ||
        s.front() == '0')
        throw cli_error("not a message number: " + s);
    return s;
}

// Runs one command after login and QUITs; a multi-line body goes to stdout
// (a message as sent, CRLF and all; a listing with LF line ends). Single-line
// replies print their text. -ERR: exit 2 with the reply.
asio::awaitable<int> one_command(client::pop3_connection& c, const p3::command& cmd) {
    std::optional<client::pop3_reply> reply;
    bool stdout_ok = true;
    const client::pop3_connection::body_handler out = [&](std::string_view piece) {
        if (cmd.message) {
            stdout_ok = write_stdout(piece);
        } else {
            std::string text;
            for (char ch : piece)
                if (ch != '\r') text += ch;
            stdout_ok = write_stdout(text);
        }
        return stdout_ok;
    };
    reply = co_await c.command(cmd, out);
    if (!reply) co_return stdout_ok ? report_failure(c) : pop3_exit::usage;
    if (!reply->ok) {
        std::cerr << "mailroom pop3: " << cmd.line << ": -ERR " << reply->text << "\n";
        (void)co_await c.quit();
        co_return pop3_exit::command;
    }
    if (!cmd.multi_line) std::cout << reply->text << "\n" << std::flush;
    if (!co_await c.quit()) co_return report_failure(c);
    co_return pop3_exit::ok;
}

void finish(int code) {
    if (code != pop3_exit::ok) throw CLI::RuntimeError(code);
}

void add_capa(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o) {
    auto* cmd = pop3.add_subcommand("capa", "Show the server's capabilities (after login when --user is given)");
    cmd->callback([o] {
        finish(run_pop3(*o, [o](client::pop3_connection& c) -> asio::awaitable<int> {
            if (o->user.empty()) {
                for (const auto& line : c.capabilities()) std::cout << line << "\n";
                std::cout << std::flush;
                if (!co_await c.quit()) co_return report_failure(c);
                co_return pop3_exit::ok;
            }
            const p3::command capa{"CAPA", true, false};
            co_return co_await one_command(c, capa);
        }));
    });
}

// A subcommand that sends one command built from its arguments.
void add_simple(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o, const char* name, const char* help,
                const char* verb, bool takes_number) {
    auto* cmd = pop3.add_subcommand(name, help);
    auto number = std::make_shared<std::string>();
    if (takes_number) cmd->add_option("N", *number, "Message number (without: every message)");
    cmd->callback([o, verb, number, takes_number] {
        p3::command c{verb, takes_number && number->empty(), false};
        if (!number->empty()) c.line += " " + message_number(*number);
        if (o->user.empty()) throw cli_error(std::string(verb) + " needs --user");
        finish(run_pop3(*o, [c](client::pop3_connection& conn) { return one_command(conn, c); }));
    });
}

void add_top(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o) {
    auto* cmd = pop3.add_subcommand("top", "Show the header and the first LINES lines of the body of message N");
    auto n = std::make_shared<std::string>();
    auto lines = std::make_shared<unsigned>(0);
    cmd->add_option("N", *n, "Message number")->required();
    cmd->add_option("LINES", *lines, "Body lines (default 0: the header only)");
    cmd->callback([o, n, lines] {
        if (o->user.empty()) throw cli_error("top needs --user");
        const p3::command c{"TOP " + message_number(*n) + " " + std::to_string(*lines), true, true};
        finish(run_pop3(*o, [c](client::pop3_connection& conn) { return one_command(conn, c); }));
    });
}

void add_retr(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o) {
    auto* cmd = pop3.add_subcommand("retr", "Write message N to standard output, exactly as the server sent it");
    auto n = std::make_shared<std::string>();
    cmd->add_option("N", *n, "Message number")->required();
    cmd->callback([o, n] {
        if (o->user.empty()) throw cli_error("retr needs --user");
        const p3::command c{"RETR " + message_number(*n), true, true};
        finish(run_pop3(*o, [c](client::pop3_connection& conn) { return one_command(conn, c); }));
    });
}

// All or nothing: the deletions take effect at QUIT (RFC 1939 §6), so a
// -ERR for any of them ends the session without QUIT and none is deleted.
void add_dele(CLI::App& pop3, const std::shared_ptr<pop3_cli_options>& o) {
    auto* cmd = pop3.add_subcommand("dele", "Delete messages N... (all or none: a refusal deletes nothing)");
    auto ns = std::make_shared<std::vector<std::string>>();
    cmd->add_option("N", *ns, "Message numbers")->required();
    cmd->callback([o, ns] {
        if (o->user.empty()) throw cli_error("dele needs --user");
        std::vector<p3::command> cmds;
        for (const auto& n : *ns) cmds.push_back({"DELE " + message_number(n), false, false});
        finish(run_pop3(*o, [cmds](client::pop3_connection& c) -> asio::awaitable<int> {
            for (const auto& dele : cmds) {
                auto reply = co_await c.command(dele);
                if (!reply) co_return report_failure(c);
                if (!reply->ok) {
                    std::cerr << "mailroom pop3: " << dele.line << ": -ERR " << reply->text << " (nothing deleted)\n";
                    co_await c.abort();
                    co_return pop3_exit::command;
                }
            }
            if (!co_await c.quit()) co_return report_failure(c);
            std::cout << "deleted " << cmds.size() << " message" << (cmds.size() == 1 ? "" : "s") << "\n";
            co_return pop3_exit::ok;
        }));
    });
}

}  // namespace

void add_pop3(CLI::App& app) {
    auto o = std::make_shared<pop3_cli_options>();
    auto* pop3 = app.add_subcommand(
        "pop3",
        "POP3 client: capa, stat, list, uidl, top, retr, dele, fetch. Exit status: 0 ok, 1 usage or local error, "
        "2 a command got -ERR, 3 login refused or no acceptable method, 4 TLS failed or unavailable, 5 protocol "
        "error, 74 fetch could not store, 75 connection failed, lost or timed out, or the server refused service");
    pop3->require_subcommand(1);
    pop3->fallthrough();  // the session options may also follow the subcommand
    add_pop3_options(*pop3, *o);
    add_capa(*pop3, o);
    add_simple(*pop3, o, "stat", "Show the number of messages and their total size", "STAT", false);
    add_simple(*pop3, o, "list", "Show the size of message N, or of every message", "LIST", true);
    add_simple(*pop3, o, "uidl", "Show the unique id of message N, or of every message", "UIDL", true);
    add_top(*pop3, o);
    add_retr(*pop3, o);
    add_dele(*pop3, o);
    add_pop3_fetch(*pop3, o);
}

}  // namespace mailroom::cli
