// mailroom proxy: the security-upgrading gateway (issue #13). `proxy smtp`
// and `proxy pop3` run one listen/upstream pair from the command line;
// `proxy --config FILE` runs every [[proxy]] entry of a configuration
// file. Passwords come from files only, never from argv. The work is
// src/proxy/'s; this file turns options into config::proxy_entry.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/loader.hpp"
#include "config/proxy_settings.hpp"
#include "config/validate.hpp"
#include "proxy/listener.hpp"

namespace mailroom::cli {
namespace {

struct proxy_options {
    std::string config_file;
    std::string listen;
    std::string upstream;
    std::string tls;
    std::string auth = "auto";
    bool insecure = false;
    std::string ca_file;
    bool allow_remote = false;
    std::string upstream_user, upstream_password_file;
    std::string local_user, local_password_file;
    std::string helo;
    unsigned max_connections = 20;
    unsigned max_per_ip = 10;
    unsigned idle_timeout = 0;  // 0: the protocol's (SMTP 300 s, POP3 600 s)
    unsigned upstream_timeout = 60;
    std::uint64_t max_message_bytes = 35u << 20;
    bool trace = false;
    std::string temp_dir;
};

secret password_from(const std::string& file, const std::string& option) {
    auto r = config::read_password_file(file);
    if (!r.password) throw cli_error(option + ": " + r.error);
    return std::move(*r.password);
}

config::proxy_entry entry_from(const proxy_options& o, config::proxy_protocol protocol) {
    config::proxy_entry e;
    e.protocol = protocol;
    const auto listen = config::parse_listen(o.listen);
    if (!listen)
        throw cli_error("--listen must be ADDRESS:PORT with an IP address (or localhost), like 127.0.0.1:1100");
    e.listen_address = listen->address;
    e.listen_port = listen->port;
    e.allow_remote = o.allow_remote;
    const auto up = config::detail::split_host_port(o.upstream);
    if (!up) throw cli_error("--upstream must be HOST or HOST:PORT");
    e.upstream_host = up->host;
    if (!o.tls.empty()) {
        const auto t = config::upstream_tls_from(o.tls);
        if (!t) throw cli_error("--upstream-tls must be none, starttls or implicit");
        e.tls = *t;
    } else {  // implicit on the implicit-TLS ports (RFC 8314), else STARTTLS/STLS required
        e.tls = up->port && (*up->port == 995 || *up->port == 465) ? config::upstream_tls::implicit
                                                                   : config::upstream_tls::starttls;
    }
    e.upstream_port = up->port ? *up->port : config::default_upstream_port(protocol, e.tls);
    e.auth = config::detail::to_lower(o.auth);
    e.verify_certificate = !o.insecure;
    e.ca_file = o.ca_file;
    e.upstream_user = o.upstream_user;
    if (!o.upstream_password_file.empty())
        e.upstream_password = password_from(o.upstream_password_file, "--upstream-password-file");
    e.local_user = o.local_user;
    if (!o.local_password_file.empty())
        e.local_password = password_from(o.local_password_file, "--local-password-file");
    e.helo = o.helo;
    e.max_connections = o.max_connections;
    e.max_connections_per_ip = o.max_per_ip;
    e.idle_timeout = std::chrono::seconds(o.idle_timeout                             ? o.idle_timeout
                                          : protocol == config::proxy_protocol::pop3 ? 600
                                                                                     : 300);
    e.upstream_timeout = std::chrono::seconds(o.upstream_timeout);
    e.max_message_bytes = o.max_message_bytes;
    e.name = std::string(config::protocol_name(protocol)) + "-" + std::to_string(e.listen_port);
    for (const auto& why : config::proxy_entry_problems(e)) throw cli_error(why);
    return e;
}

void run(const proxy_options& o, std::vector<config::proxy_entry> entries) {
    proxy::run_options ro;
    ro.trace = o.trace;
    ro.temp_dir = o.temp_dir;
    try {
        proxy::run_proxies(entries, ro);
    } catch (const std::runtime_error& e) {
        throw cli_error(e.what());
    }
}

void run_config(const proxy_options& o) {
    auto loaded = config::load_file(o.config_file);
    if (!loaded.cfg) {
        std::string all;
        for (const auto& d : loaded.errors) all += (all.empty() ? "" : "\n") + d.format();
        throw cli_error("configuration errors:\n" + all);
    }
    if (loaded.cfg->proxies.empty()) throw cli_error(o.config_file + " has no [[proxy]] entry");
    run(o, std::move(loaded.cfg->proxies));
}

// The options both protocols take.
void add_pair_options(CLI::App& cmd, proxy_options& o, const char* auth_help) {
    cmd.add_option("--listen", o.listen, "ADDRESS:PORT the program connects to (loopback unless --allow-remote)")
        ->required();
    cmd.add_option("--upstream", o.upstream, "HOST[:PORT] of the real server")->required();
    cmd.add_option("--upstream-tls", o.tls,
                   "none | starttls | implicit (default: implicit on port 995/465, else starttls, required)");
    cmd.add_option("--upstream-auth", o.auth, auth_help)->capture_default_str();
    cmd.add_flag("--insecure", o.insecure, "Do not verify the upstream certificate (testing only)");
    cmd.add_option("--ca", o.ca_file, "Verify the upstream certificate against the CA certificates in FILE");
    cmd.add_flag("--allow-remote", o.allow_remote,
                 "Allow a non-loopback --listen address (the program's side is plaintext)");
    cmd.add_option("--max-connections", o.max_connections, "Connections at once")->capture_default_str();
    cmd.add_option("--max-connections-per-ip", o.max_per_ip, "Connections at once from one address")
        ->capture_default_str();
    cmd.add_option("--idle-timeout", o.idle_timeout,
                   "Seconds of silence from the program (default SMTP 300, POP3 600)");
    cmd.add_option("--upstream-timeout", o.upstream_timeout, "Seconds to connect upstream")->capture_default_str();
    cmd.add_flag("--trace", o.trace, "Show the upstream dialogue on standard error (passwords masked)");
    cmd.add_option("--temp-dir", o.temp_dir, "Where large messages wait on their way (default $TMPDIR or /tmp)");
}

}  // namespace

void add_proxy(CLI::App& app) {
    auto o = std::make_shared<proxy_options>();
    auto* cmd = app.add_subcommand(
        "proxy",
        "Gateway for old mail programs and devices: plain POP3 or SMTP on a local port, TLS and real "
        "authentication upstream");
    cmd->add_option("--config", o->config_file, "Run every [[proxy]] entry of this configuration file");
    cmd->require_subcommand(0, 1);

    auto* smtp = cmd->add_subcommand("smtp",
                                     "A device submits plain SMTP here; the proxy submits upstream with "
                                     "STARTTLS or implicit TLS and AUTH");
    add_pair_options(*smtp, *o,
                     "auto | plain | login | cram-md5 | scram-sha-1 | scram-sha-256 (auto: the strongest "
                     "offered)");
    smtp->add_option("--upstream-user", o->upstream_user, "Account the proxy submits as (AUTH upstream)");
    smtp->add_option("--upstream-password-file", o->upstream_password_file, "File whose first line is its password");
    smtp->add_option("--local-user", o->local_user, "The device must AUTH as this user first (optional)");
    smtp->add_option("--local-password-file", o->local_password_file, "File with the local user's password");
    smtp->add_option("--helo", o->helo, "EHLO name upstream (default localhost)");
    smtp->add_option("--max-message-bytes", o->max_message_bytes, "Largest message (SIZE)")->capture_default_str();
    smtp->callback([o] { run(*o, {entry_from(*o, config::proxy_protocol::smtp)}); });

    auto* pop3 = cmd->add_subcommand("pop3",
                                     "A mail program logs in with plain USER/PASS here; the proxy logs in "
                                     "upstream with APOP, SASL, STLS or implicit TLS and relays the session");
    add_pair_options(*pop3, *o, "auto | user | apop | plain | login | cram-md5 | scram-sha-1 | scram-sha-256");
    pop3->callback([o] { run(*o, {entry_from(*o, config::proxy_protocol::pop3)}); });

    cmd->callback([o, cmd] {
        if (!cmd->get_subcommands().empty()) return;  // pop3 / smtp ran
        if (o->config_file.empty()) throw cli_error("proxy: give --config FILE, or `proxy smtp` / `proxy pop3`");
        run_config(*o);
    });
}

}  // namespace mailroom::cli
