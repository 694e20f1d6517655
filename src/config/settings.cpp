#include "config/settings.hpp"

#include <unistd.h>
#include <climits>

namespace mailroom::config {
namespace {

std::string machine_host_name() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

listener default_listener(std::string name, std::uint16_t port, tls_mode tls,
                          service_kind service = service_kind::pop3) {
    listener l;
    l.name = std::move(name);
    l.service = service;
    apply_service_defaults(l);
    l.address = "127.0.0.1";
    l.port = port;
    l.tls = tls;
    return l;
}

}  // namespace

// Where the two reference servers disagree the engines follow: SMTP 20 bad
// commands (Postfix smtpd_hard_error_limit), POP3 10 before login and 20
// after (Dovecot's pop3-login and pop3 processes).
void apply_service_defaults(listener& l) {
    if (l.service == service_kind::pop3) {
        const pop3::limits p;
        l.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(p.autologout);
        l.max_bad_commands = p.max_bad_commands;
        l.max_bad_commands_after_login = p.max_bad_commands_after_login;
        l.max_auth_failures = p.max_auth_failures;
        l.auth_failure_delay = p.auth_failure_delay;
        l.max_auth_failure_delay = p.max_auth_failure_delay;
        return;
    }
    if (l.service == service_kind::imap) {
        const imap::limits r;
        const imap::session_limits i;
        l.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(r.autologout);
        l.max_bad_commands = r.max_bad_commands;
        l.max_auth_failures = i.max_auth_failures;
        l.auth_failure_delay = i.auth_failure_delay;
        l.max_auth_failure_delay = i.max_auth_failure_delay;
        return;
    }
    const smtp::limits m;
    l.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(m.command_timeout);
    l.max_bad_commands = m.max_bad_commands;
    l.max_auth_failures = m.max_auth_failures;
    l.auth_failure_delay = m.auth_failure_delay;
    l.max_auth_failure_delay = m.max_auth_failure_delay;
    l.max_message_bytes = m.max_message_bytes;
    l.max_recipients = m.max_recipients;
}

settings embedded_defaults() {
    settings s;
    s.hostname = machine_host_name();
    s.data_dir = "mailroom-data";
    // DESIGN.md "Default ports": the unprivileged stand-ins for 110, 995,
    // 25, 587, 465, 143 and 993.
    s.listeners = {default_listener("pop3", 1110, tls_mode::starttls),
                   default_listener("pop3s", 1995, tls_mode::implicit),
                   default_listener("smtp", 2525, tls_mode::starttls, service_kind::smtp),
                   default_listener("submission", 5587, tls_mode::starttls, service_kind::submission),
                   default_listener("submissions", 4465, tls_mode::implicit, service_kind::submission),
                   default_listener("imap", 1143, tls_mode::starttls, service_kind::imap),
                   default_listener("imaps", 1993, tls_mode::implicit, service_kind::imap)};
    return s;
}

}  // namespace mailroom::config
