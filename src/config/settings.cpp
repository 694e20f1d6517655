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

listener default_listener(std::string name, std::uint16_t port, tls_mode tls) {
    listener l;
    l.name = std::move(name);
    l.service = service_kind::pop3;
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
    // DESIGN.md "Default ports": the unprivileged stand-ins for 110 and 995.
    s.listeners = {default_listener("pop3", 1110, tls_mode::starttls),
                   default_listener("pop3s", 1995, tls_mode::implicit)};
    return s;
}

}  // namespace mailroom::config
