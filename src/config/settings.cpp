#include "config/settings.hpp"

#include <climits>
#include <unistd.h>

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
    if (service != service_kind::pop3) l.idle_timeout = std::chrono::seconds(300);  // RFC 5321 §4.5.3.2.7
    l.address = "127.0.0.1";
    l.port = port;
    l.tls = tls;
    return l;
}

}  // namespace

settings embedded_defaults() {
    settings s;
    s.hostname = machine_host_name();
    s.data_dir = "mailroom-data";
    // DESIGN.md "Default ports": the unprivileged stand-ins for 110, 995,
    // 25, 587 and 465.
    s.listeners = {default_listener("pop3", 1110, tls_mode::starttls),
                   default_listener("pop3s", 1995, tls_mode::implicit),
                   default_listener("smtp", 2525, tls_mode::starttls, service_kind::smtp),
                   default_listener("submission", 5587, tls_mode::starttls, service_kind::submission),
                   default_listener("submissions", 4465, tls_mode::implicit, service_kind::submission)};
    return s;
}

}  // namespace mailroom::config
