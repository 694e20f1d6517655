// server::service_notify: tells the service manager where the server is
// in its life - READY=1 once the listeners are open and privileges dropped,
// RELOADING=1 ... READY=1 around a reload, STOPPING=1 at SIGTERM - through
// libsystemd's sd_notify(3), for Type=notify units (etc/mailroom.service).
// Without $NOTIFY_SOCKET every call does nothing. Called by server::run.
#pragma once

#include <string_view>

namespace mailroom::server {

void notify_ready();
void notify_reloading();
void notify_stopping();
// STATUS=<text>, shown by `systemctl status`.
void notify_status(std::string_view text);

}  // namespace mailroom::server
