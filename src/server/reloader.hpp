// server::reloader: SIGHUP and `mailroom reload` (through the control
// socket). Re-reads the configuration and the TLS certificate and key (so
// an ACME renewal needs no restart), builds a new generation, and hands it
// to the listener set: new listeners open, removed ones close, kept ones
// serve their next connections with it; and to the reload steps (outbound
// delivery, the HTTP listener, the login penalty). Established sessions keep the
// generation they began with. A configuration with errors, a certificate
// that does not load or a port that cannot be bound is refused, logged,
// and the running configuration stays. Postfix's `postfix reload` and
// Dovecot's `doveadm reload` are the models. Made by server::run.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "config/settings.hpp"
#include "queue/control_protocol.hpp"
#include "server/generation.hpp"
#include "server/listener_loop.hpp"
#include "storage/sqlite/userdb.hpp"

namespace mailroom::server {

// Reads the configuration again as the command line named it; throws
// std::exception with every error in its text.
using settings_source = std::function<config::settings()>;

// A part of the server besides the listeners that a reload reconfigures
// ([delivery], [http], the login penalty). Given the new generation, it
// checks and prepares whatever can fail - throwing std::exception refuses
// the reload, and nothing has changed - and returns what puts the new
// settings in force, which must not fail: it runs only once every step and
// the listener set have accepted the new configuration.
using reload_step = std::function<std::function<void()>(const std::shared_ptr<const generation>& next)>;

class reloader {
public:
    reloader(settings_source source, listener_set& listeners, const process_parts& parts, storage::userdb& users,
             std::shared_ptr<const generation> first, std::vector<reload_step> steps)
        : source_(std::move(source)), listeners_(listeners), parts_(parts), users_(users), current_(std::move(first)),
          steps_(std::move(steps)) {}

    // One reload, on the event loop. OK: what is now in force; ERR: why the
    // new configuration was refused (the old one still serves).
    queue::control_reply reload();

    const std::shared_ptr<const generation>& current() const noexcept { return current_; }

private:
    settings_source source_;
    listener_set& listeners_;
    const process_parts& parts_;
    storage::userdb& users_;
    std::shared_ptr<const generation> current_;
    std::vector<reload_step> steps_;
};

}  // namespace mailroom::server
