#include "cli/imap_options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "auth/sasl_client.hpp"
#include "cli/options.hpp"
#include "cli/pop3_options.hpp"  // read_client_password, shared with mailroom pop3
#include "client/client_tls.hpp"
#include "client/server_address.hpp"
#include "common/mutf7.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace ic = imap::client;

// `auto`: strongest first; the password-bearing ones last (the engine holds
// them back without TLS unless --allow-plaintext).
constexpr ic::auth_method auto_order[] = {ic::auth_method::scram_sha_256, ic::auth_method::scram_sha_1,
                                          ic::auth_method::cram_md5,      ic::auth_method::plain,
                                          ic::auth_method::sasl_login,    ic::auth_method::login};

// A SASL mechanism this build of GNU SASL can do.
bool sasl_supported(ic::auth_method m) {
    if (m == ic::auth_method::login) return true;
    auto ctx = auth::sasl_client_context::create();
    if (!ctx) return false;
    const std::string name(ic::mechanism(m));
    return (*ctx)->choose({name}, {name}).has_value();
}

}  // namespace

void add_imap_options(CLI::App& cmd, imap_cli_options& o) {
    cmd.add_option("--server", o.server, "HOST[:PORT] or [IPv6]:PORT; port 143, or 993 with --tls implicit")
        ->capture_default_str();
    cmd.add_option("--user", o.user, "Log in as USER (without: no login, for capabilities)");
    cmd.add_option("--tls", o.tls,
                   "none | starttls | implicit (default: implicit on port 993, else starttls, which is required)");
    cmd.add_flag("--insecure", o.insecure, "Do not verify the server certificate (chain and host name)");
    cmd.add_option("--ca", o.ca_file, "Verify the server against the CA certificates in FILE (PEM)");
    cmd.add_option("--auth", o.auth,
                   "auto | login | plain | sasl-login | cram-md5 | scram-sha-1 | scram-sha-256 (login: the LOGIN "
                   "command; sasl-login: AUTHENTICATE LOGIN); auto takes the strongest the server offers and never "
                   "falls back to a weaker one")
        ->capture_default_str();
    cmd.add_option("--password-file", o.password_file,
                   "File whose first line is the password (else MAILROOM_PASSWORD, else a prompt on the terminal)");
    cmd.add_flag("--allow-plaintext", o.allow_plaintext,
                 "Allow LOGIN, PLAIN and sasl-login without TLS (the password then crosses the network in clear)");
    cmd.add_flag("--trace", o.trace, "Show the dialogue on standard error (C:/S:, passwords and SASL data masked)");
    cmd.add_option("--timeout", o.timeout_s, "Seconds to wait for a connection or any response")->capture_default_str();
}

client::imap_options make_imap_options(const imap_cli_options& o) {
    client::imap_options out;
    auto addr = client::parse_server(o.server, 0);  // 0: no port given
    if (!addr) throw cli_error("bad --server: " + o.server);
    if (o.tls.empty()) out.tls = addr->port == 993 ? ic::tls_mode::implicit : ic::tls_mode::starttls;
    else if (o.tls == "none") out.tls = ic::tls_mode::none;
    else if (o.tls == "starttls") out.tls = ic::tls_mode::starttls;
    else if (o.tls == "implicit") out.tls = ic::tls_mode::implicit;
    else throw cli_error("--tls must be none, starttls or implicit");
    if (addr->port == 0) addr->port = out.tls == ic::tls_mode::implicit ? 993 : 143;  // RFC 8314 §7.3 / RFC 9051
    out.host = addr->host;
    out.port = addr->port;
    if (o.insecure && !o.ca_file.empty()) throw cli_error("--insecure and --ca exclude each other");
    out.verify = !o.insecure;
    if (out.tls != ic::tls_mode::none) {
        try {
            out.tls_context = client::make_client_context({out.verify, o.ca_file});
        } catch (const std::runtime_error& e) {
            throw cli_error(e.what());
        }
    }
    if (o.auth == "auto") {
        for (auto m : auto_order)
            if (sasl_supported(m)) out.allowed.push_back(m);
    } else {
        const auto m = ic::parse_method(o.auth);
        if (!m) throw cli_error("unknown --auth " + o.auth);
        if (!sasl_supported(*m)) throw cli_error("this build's GNU SASL cannot do " + o.auth);
        out.allowed.push_back(*m);
    }
    out.allow_plaintext = o.allow_plaintext;
    if (o.allow_plaintext && out.tls == ic::tls_mode::none)
        std::cerr << "mailroom imap: warning: --allow-plaintext without TLS: the password may cross the network in "
                     "clear\n";
    out.connect_timeout = std::chrono::seconds(o.timeout_s);
    out.reply_timeout = std::chrono::seconds(o.timeout_s);
    out.user = o.user;
    if (!o.user.empty()) out.password = read_client_password(o.password_file, "Password for " + o.user + ": ");
    if (o.trace)
        out.trace = [](std::string_view dir, std::string_view line) { std::cerr << dir << ": " << line << "\n"; };
    return out;
}

void exit_with(int code) {
    if (code != imap_exit::ok) throw CLI::RuntimeError(code);
}

int report_failure(const client::imap_connection& c) {
    std::cerr << "mailroom imap: " << (c.detail().empty() ? "the session ended early" : c.detail()) << "\n";
    return exit_code_of(c.failure());
}

int report_refusal(std::string_view what, const ic::command_done& d) {
    std::cerr << "mailroom imap: " << what << " refused: " << (d.state == ic::status::bad ? "BAD" : "NO");
    if (!d.code.empty()) std::cerr << " [" << d.code << (d.code_args.empty() ? "" : " " + d.code_args) << "]";
    std::cerr << (d.text.empty() ? "" : " ") << d.text << "\n";
    return imap_exit::command;
}

namespace {
asio::awaitable<void> session(client::imap_options opt, const imap_body& body, int& code) {
    client::imap_connection c(std::move(opt));
    if (!co_await c.open()) {
        code = report_failure(c);
        co_return;
    }
    code = co_await body(c);
    if (c.failure() != client::imap_failure::none) {
        const int failed = report_failure(c);
        if (code == imap_exit::ok) code = failed;
        co_return;
    }
    const bool ok = co_await c.logout();
    if (!ok && code == imap_exit::ok && c.failure() != client::imap_failure::none) code = report_failure(c);
}
}  // namespace

int run_imap(const imap_cli_options& o, const imap_body& body) { return run_imap(make_imap_options(o), body); }

int run_imap(client::imap_options opt, const imap_body& body) {
    asio::io_context io;
    int code = imap_exit::protocol;
    asio::co_spawn(io, session(std::move(opt), body, code), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    return code;
}

std::string folder_to_wire(const std::string& utf8) {
    auto m = utf8_to_mutf7(utf8);
    if (!m) throw cli_error("the folder name is not valid UTF-8: " + utf8);
    return *m;
}

std::string folder_from_wire(const std::string& wire) { return mutf7_to_utf8(wire).value_or(wire); }

}  // namespace mailroom::cli
