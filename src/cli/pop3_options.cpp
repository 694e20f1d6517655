#include "cli/pop3_options.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "auth/sasl_client.hpp"
#include "cli/options.hpp"
#include "client/client_tls.hpp"
#include "client/server_address.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace p3 = pop3::client;

constexpr std::size_t max_password_bytes = 4096;

// `auto`: strongest first; the password-bearing ones last (and the engine
// holds them back without TLS unless --allow-plaintext).
constexpr p3::auth_method auto_order[] = {p3::auth_method::scram_sha_256, p3::auth_method::scram_sha_1,
                                          p3::auth_method::cram_md5,      p3::auth_method::apop,
                                          p3::auth_method::plain,         p3::auth_method::login,
                                          p3::auth_method::user};

bool is_sasl(p3::auth_method m) { return m != p3::auth_method::user && m != p3::auth_method::apop; }

// A SASL mechanism this build of GNU SASL can do.
bool sasl_supported(p3::auth_method m) {
    auto ctx = auth::sasl_client_context::create();
    if (!ctx) return false;
    const std::string name(p3::method_name(m));
    return (*ctx)->choose({name}, {name}).has_value();
}

std::string prompt_on_tty(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        throw cli_error("a password is needed: --password-file FILE, MAILROOM_PASSWORD, or a terminal for the prompt");
    termios old{};
    const bool is_tty = ::tcgetattr(fd, &old) == 0;
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &quiet);
    (void)!::write(fd, prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (line.size() < max_password_bytes) {
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        line += c;
    }
    if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

void add_pop3_options(CLI::App& cmd, pop3_cli_options& o) {
    cmd.add_option("--server", o.server, "HOST[:PORT] or [IPv6]:PORT; port 110, or 995 with --tls implicit")
        ->capture_default_str();
    cmd.add_option("--user", o.user, "Log in as USER (without: no login, for capa)");
    cmd.add_option("--tls", o.tls,
                   "none | starttls | implicit (default: implicit on port 995, else starttls, which is required)");
    cmd.add_flag("--insecure", o.insecure, "Do not verify the server certificate (chain and host name)");
    cmd.add_option("--ca", o.ca_file, "Verify the server against the CA certificates in FILE (PEM)");
    cmd.add_option("--auth", o.auth,
                   "auto | user | apop | plain | login | cram-md5 | scram-sha-1 | scram-sha-256; auto takes the "
                   "strongest the server offers and never falls back to a weaker one")
        ->capture_default_str();
    cmd.add_option("--password-file", o.password_file,
                   "File whose first line is the password (else MAILROOM_PASSWORD, else a prompt on the terminal)");
    cmd.add_flag("--allow-plaintext", o.allow_plaintext,
                 "Allow USER/PASS, PLAIN and LOGIN without TLS (the password then crosses the network in clear)");
    cmd.add_flag("--trace", o.trace, "Show the dialogue on standard error (C:/S:, passwords and SASL data masked)");
    cmd.add_option("--timeout", o.timeout_s, "Seconds to wait for a connection or any reply")->capture_default_str();
}

secret read_client_password(const std::string& password_file, const std::string& prompt) {
    if (!password_file.empty()) {
        std::ifstream f(password_file, std::ios::binary);
        if (!f) throw cli_error("cannot read the password file " + password_file);
        std::string pw;
        std::getline(f, pw);  // the first line; its newline is not part of the password
        if (!pw.empty() && pw.back() == '\r') pw.pop_back();
        return secret(std::move(pw));
    }
    if (const char* env = std::getenv("MAILROOM_PASSWORD")) return secret(std::string_view(env));
    return secret(prompt_on_tty(prompt));
}

client::pop3_options make_pop3_options(const pop3_cli_options& o) {
    client::pop3_options out;
    auto addr = client::parse_server(o.server, 0);  // 0: no port given
    if (!addr) throw cli_error("bad --server: " + o.server);
    if (o.tls.empty()) out.tls = addr->port == 995 ? p3::tls_mode::implicit : p3::tls_mode::starttls;
    else if (o.tls == "none") out.tls = p3::tls_mode::none;
    else if (o.tls == "starttls") out.tls = p3::tls_mode::starttls;
    else if (o.tls == "implicit") out.tls = p3::tls_mode::implicit;
    else throw cli_error("--tls must be none, starttls or implicit");
    if (addr->port == 0) addr->port = out.tls == p3::tls_mode::implicit ? 995 : 110;  // RFC 8314 §7.3 / RFC 1939
    out.host = addr->host;
    out.port = addr->port;
    if (o.insecure && !o.ca_file.empty()) throw cli_error("--insecure and --ca exclude each other");
    out.verify = !o.insecure;
    if (out.tls != p3::tls_mode::none) {
        try {
            out.tls_context = client::make_client_context({out.verify, o.ca_file});
        } catch (const std::runtime_error& e) {
            throw cli_error(e.what());
        }
    }
    if (o.auth == "auto") {
        for (auto m : auto_order)
            if (!is_sasl(m) || sasl_supported(m)) out.allowed.push_back(m);
    } else {
        const auto m = p3::parse_method(o.auth);
        if (!m) throw cli_error("unknown --auth " + o.auth);
        if (is_sasl(*m) && !sasl_supported(*m)) throw cli_error("this build's GNU SASL cannot do " + o.auth);
        out.allowed.push_back(*m);
    }
    out.allow_plaintext = o.allow_plaintext;
    if (o.allow_plaintext && out.tls == p3::tls_mode::none)
        std::cerr << "mailroom pop3: warning: --allow-plaintext without TLS: the password may cross the network in "
                     "clear\n";
    out.connect_timeout = std::chrono::seconds(o.timeout_s);
    out.reply_timeout = std::chrono::seconds(o.timeout_s);
    if (!o.user.empty()) {
        out.user = o.user;
        out.password = read_client_password(o.password_file, "Password for " + o.user + "@" + out.host + ": ");
    }
    if (o.trace)
        out.trace = [](std::string_view dir, std::string_view line) { std::cerr << dir << ": " << line << "\n"; };
    return out;
}

int report_failure(const client::pop3_connection& c) {
    std::cerr << "mailroom pop3: " << (c.detail().empty() ? "the session ended" : c.detail()) << "\n";
    const int code = exit_code_of(c.failure());
    return code == pop3_exit::ok ? pop3_exit::protocol : code;
}

int run_pop3(const pop3_cli_options& o, const pop3_body& body) { return run_pop3(make_pop3_options(o), body); }

int run_pop3(client::pop3_options opt, const pop3_body& body) {
    asio::io_context io;
    client::pop3_connection conn(std::move(opt));
    int code = pop3_exit::ok;
    std::exception_ptr error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<int> {
            if (!co_await conn.open()) co_return report_failure(conn);
            co_return co_await body(conn);
        },
        [&](std::exception_ptr e, int c) {
            error = e;
            code = c;
        });
    io.run();
    if (error) std::rethrow_exception(error);
    return code;
}

}  // namespace mailroom::cli
