// config::proxy_entry: one security-upgrading proxy - a plaintext listener
// (loopback unless allow_remote) and the upstream server it logs in to with
// TLS and stored (SMTP) or relayed (POP3) credentials. Plain data: filled by
// `[[proxy]]` tables (proxy_section.cpp) or `mailroom proxy pop3|smtp`
// (src/cli/proxy.cpp), checked by proxy_entry_problems, run by src/proxy/.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret.hpp"

namespace mailroom::config {

enum class proxy_protocol { pop3, smtp };
enum class upstream_tls { none, starttls, implicit };

struct proxy_entry {
    std::string name;  // for logs; default "<protocol>-<listen port>"
    proxy_protocol protocol = proxy_protocol::smtp;
    std::string listen_address = "127.0.0.1";  // IP literal
    std::uint16_t listen_port = 0;             // 0: the system picks (printed on start)
    // The downstream side is plaintext: anything but loopback needs this.
    bool allow_remote = false;
    std::string upstream_host;
    std::uint16_t upstream_port = 0;  // 0: 995/110 (POP3), 465/587 (SMTP) by upstream_tls
    upstream_tls tls = upstream_tls::starttls;
    // POP3: auto, user, apop, plain, login, cram-md5, scram-sha-1, scram-sha-256.
    // SMTP: auto, plain, login, cram-md5, scram-sha-1, scram-sha-256.
    std::string auth = "auto";
    bool verify_certificate = true;
    std::filesystem::path ca_file;  // empty: the system's trust anchors
    // SMTP: the account the proxy submits as (AUTH); empty: no AUTH upstream.
    std::string upstream_user;
    secret upstream_password;
    // SMTP: the device must AUTH as this user first; empty: no AUTH downstream.
    std::string local_user;
    secret local_password;
    unsigned max_connections = 20;
    unsigned max_connections_per_ip = 10;
    std::chrono::seconds idle_timeout{300};       // downstream silence (RFC 5321 §4.5.3.2.7 / RFC 1939 §3)
    std::chrono::seconds upstream_timeout{60};    // connecting, and each upstream reply
    std::uint64_t max_message_bytes = 35u << 20;  // SMTP: advertised by SIZE
    std::string helo;                             // SMTP: EHLO name upstream; empty: "localhost"
    int source_line = 0;                          // [[proxy]] line; 0 from the command line
};

// The upstream port when none was given: 995 or 110 for POP3 (RFC 8314,
// RFC 1939), 465 or 587 for SMTP submission (RFC 8314, RFC 6409).
std::uint16_t default_upstream_port(proxy_protocol p, upstream_tls tls) noexcept;

// What is wrong with an entry as a whole (listen address not loopback
// without allow_remote, a password sent in cleartext, credentials half
// given); empty when it can run. The text names the option or key.
std::vector<std::string> proxy_entry_problems(const proxy_entry& e);

// Whether `address` is an IPv4 127/8 or IPv6 ::1 literal.
bool is_loopback_literal(std::string_view address);

// "ADDRESS:PORT" or "[V6]:PORT" with an IP literal ("localhost" is
// 127.0.0.1) and a port 0 (the system picks) to 65535; nullopt otherwise.
struct listen_endpoint {
    std::string address;
    std::uint16_t port = 0;
};
std::optional<listen_endpoint> parse_listen(std::string_view text);

std::optional<upstream_tls> upstream_tls_from(std::string_view word);
std::string_view protocol_name(proxy_protocol p) noexcept;

// The one-line secret in `file`, without its line end; on failure the
// reason (never quoting the content).
struct password_file_result {
    std::optional<secret> password;
    std::string error;
};
password_file_result read_password_file(const std::filesystem::path& file);

}  // namespace mailroom::config
