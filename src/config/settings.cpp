#include "config/settings.hpp"

#include <unistd.h>

namespace mailroom::config {

settings embedded_defaults() {
    settings s;
    char buf[256] = {};
    s.hostname = ::gethostname(buf, sizeof buf - 1) == 0 && buf[0] ? buf : "localhost";
    listener pop3;
    pop3.name = "pop3";
    pop3.port = 1110;
    pop3.tls = tls_mode::starttls;
    listener pop3s;
    pop3s.name = "pop3s";
    pop3s.port = 1995;
    pop3s.tls = tls_mode::implicit;
    s.listeners = {pop3, pop3s};
    return s;
}

}  // namespace mailroom::config
