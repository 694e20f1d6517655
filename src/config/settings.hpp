// config::settings: the whole configuration as plain structs, with the
// embedded defaults `mailroom serve` uses when no file is given. Parsing and
// validation live in config/loader.hpp; nothing here reads files.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/sasl_mechanisms.hpp"
#include "config/proxy_settings.hpp"
#include "http/limits.hpp"
#include "proto/imap/limits.hpp"
#include "proto/imap/session_limits.hpp"
#include "proto/pop3/limits.hpp"
#include "proto/smtp/limits.hpp"

namespace mailroom::config {

enum class service_kind { pop3, smtp, submission, imap };  // smtp: MX role; submission: 587/465 (AUTH required)
enum class tls_mode { none, starttls, implicit };

struct listener {
    std::string name;  // for logs, e.g. "pop3" or "pop3s"
    service_kind service = service_kind::pop3;
    std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
    std::uint16_t port = 0;
    tls_mode tls = tls_mode::starttls;
    bool plaintext_auth = false;  // plaintext passwords without TLS
    bool apop = true;
    std::vector<std::string> mechanisms = default_sasl_mechanisms();
    unsigned max_connections = 1000;
    unsigned max_connections_per_ip = 50;  // not for connection_limit_exceptions
    // The TLS handshake (implicit TLS, STARTTLS/STLS) must end within this,
    // however long idle_timeout is: a half-sent ClientHello holds a slot.
    std::chrono::seconds tls_handshake_timeout{10};
    // smtp: a POP3 login from an address lets it relay here for
    // pop_before_smtp_window. Off: every client behind that address (a NAT)
    // would relay too.
    bool pop_before_smtp = false;
    // The limits below default to the protocol engine's own values
    // (proto/pop3/limits.hpp, proto/smtp/limits.hpp: one source, with their
    // reasons there); apply_service_defaults() sets them for the service.
    // The values written here are POP3's, the default service.
    std::chrono::seconds idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(
        pop3::limits{}.autologout);                                                    // RFC 1939 §3
    std::chrono::milliseconds auth_failure_delay = pop3::limits{}.auth_failure_delay;  // first failure; doubles
    std::chrono::milliseconds max_auth_failure_delay = pop3::limits{}.max_auth_failure_delay;
    std::uint64_t max_message_bytes = smtp::limits{}.max_message_bytes;  // SMTP only
    unsigned max_recipients = smtp::limits{}.max_recipients;             // SMTP only
    unsigned max_bad_commands = pop3::limits{}.max_bad_commands;
    unsigned max_bad_commands_after_login = pop3::limits{}.max_bad_commands_after_login;  // POP3 only
    unsigned max_auth_failures = pop3::limits{}.max_auth_failures;
    int source_line = 0;  // where it was defined (0: embedded default)
};

// Sets l's limits (idle timeout, bad commands, auth failures and their
// delays) to the defaults of l.service's engine: POP3 10 bad commands and 5
// failed logins, 10 minutes; SMTP 20 and 3, 5 minutes; IMAP 20 and 5, 30
// minutes (proto/imap/limits.hpp, session_limits.hpp).
void apply_service_defaults(listener& l);

// Outbound delivery ([delivery] and its subtables). Plain values; the
// server maps them onto delivery::scheduler_config (server/outbound.cpp).
struct static_route {
    std::string host;  // a host name, or an IP address when literal
    std::uint16_t port = 25;
    bool literal = false;  // written "[10.0.0.5]" (an address, no lookup of its name)
};

struct smarthost {
    std::string host;  // name checked against its certificate
    std::uint16_t port = 587;
    tls_mode tls = tls_mode::starttls;  // starttls (required) or implicit; never none
    bool verify_certificate = true;
    std::filesystem::path ca_file;  // trust anchors; empty: the system's
    std::string username;           // empty: no AUTH
    std::string password;           // from password_file, else password
    int source_line = 0;
};

enum class address_order { ipv6_first, ipv4_first, ipv6_only, ipv4_only };

struct delivery_settings {
    std::uint16_t smtp_port = 25;   // port of remote MX hosts (tests: a high port)
    bool opportunistic_tls = true;  // STARTTLS when offered, certificate not verified
    address_order addresses = address_order::ipv6_first;
    std::chrono::seconds connect_timeout{30};
    unsigned max_parallel = 20;   // messages being delivered at once
    unsigned max_per_domain = 5;  // of those, to one recipient domain
    // Retries (queue/retry_schedule.hpp has the reasons for the defaults).
    std::chrono::seconds retry_initial{300};
    std::chrono::seconds retry_max{4 * 3600};
    double retry_growth = 2.0;
    std::chrono::seconds max_lifetime{5 * 24 * 3600};
    std::chrono::seconds delay_warning{0};  // 0: no delay warnings
    // DNS: empty forwarder = /etc/resolv.conf.
    std::string dns_forwarder;  // IP address
    std::uint16_t dns_forwarder_port = 53;
    std::vector<std::string> dns_special_zones;                // RFC 6761 zones asked upstream ("test")
    std::vector<std::pair<std::string, static_route>> routes;  // lower-case domain -> next hop
    std::optional<config::smarthost> smarthost;
};

// The HTTP listener ([http]): /metrics and /healthz (DESIGN.md "Default
// ports": 8025, loopback unless configured).
struct http_settings {
    bool enabled = true;
    std::string address = "127.0.0.1";
    std::uint16_t port = 8025;  // 0: the system chooses (tests)
    http::limits limits;        // defaults in http/limits.hpp
    int source_line = 0;
};

struct settings {
    std::string hostname;  // default: the machine's host name
    std::filesystem::path data_dir = "mailroom-data";
    std::vector<std::string> domains;  // added to the user directory at start
    std::filesystem::path tls_cert;    // default: DATA/tls/cert.pem (self-signed)
    std::filesystem::path tls_key;     // default: DATA/tls/key.pem
    std::chrono::seconds pop_before_smtp_window{600};
    // Client networks (CIDR, e.g. "127.0.0.0/8", "::1/128") that may relay
    // through the smtp listener without authenticating.
    std::vector<std::string> trusted_networks;
    // Client networks free of max_connections_per_ip (Postfix's
    // smtpd_client_event_limit_exceptions); nullopt: trusted_networks.
    std::optional<std::vector<std::string>> connection_limit_exceptions;
    // Failed logins per client address, across connections and listeners
    // (server/login_check.hpp); delay 0 turns it off.
    struct penalty {
        std::chrono::milliseconds delay{1000};       // before a login after one failure; doubles
        std::chrono::milliseconds max_delay{15000};  // never more
        std::chrono::seconds decay{60};              // one failure forgotten per this long
    } login_penalty;
    std::string log_level = "info";
    // Started as root, the server binds its listeners, then runs as this
    // user (and group; empty: the user's own) - server/privileges.hpp.
    // Empty: it stays root, refused when a listener port is below 1024.
    std::string user;
    std::string group;
    // SIGTERM: sessions have this long to finish their command, then they
    // are closed (SMTP 421, POP3 -ERR, IMAP BYE) and the process exits.
    std::chrono::seconds shutdown_timeout{30};
    // "text" (one human-readable line) or "json" (one object a line:
    // common/log_format.hpp).
    std::string log_format = "text";
    // The quota of a user without one of its own (`mailroom user set
    // --quota`): octets and messages over every folder; 0 is no limit.
    std::uint64_t default_quota_bytes = 0;
    std::uint64_t default_quota_messages = 0;
    std::vector<listener> listeners;
    delivery_settings delivery;
    http_settings http;
    std::vector<proxy_entry> proxies;  // [[proxy]]: run by `mailroom proxy --config` and by serve
};

// The built-in configuration: POP3 on 127.0.0.1:1110 (STLS) and :1995
// (implicit TLS), SMTP, submission, IMAP on :1143 (STARTTLS) and :1993
// (implicit TLS), data in ./mailroom-data (DESIGN.md "Default ports").
settings embedded_defaults();

}  // namespace mailroom::config
