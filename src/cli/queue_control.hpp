// mailroom queue flush|delete|bounce (issue #4): asks the running server
// through DATA/control.sock (server/control_socket.hpp); with no server,
// delete and bounce change the spool themselves (taking its lock) and flush
// says there is nothing to flush. queue.cpp registers the subcommands.
#pragma once

#include <optional>
#include <string>

#include "cli/options.hpp"

namespace mailroom::cli {

void queue_flush(const common_options& o, const std::optional<std::string>& id);
void queue_delete(const common_options& o, const std::string& id);
void queue_bounce(const common_options& o, const std::string& id);
// mailroom reload: the server re-reads its configuration and certificate;
// its error (a broken configuration: the old one stays) is a cli_error.
void server_reload(const common_options& o);

}  // namespace mailroom::cli
