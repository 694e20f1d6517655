// server::smtp_connection: one SMTP client (smtp or submission listener)
// from accept (or TLS handshake) to close. Runs an smtp::server_session
// through connection_driver and answers SMTP's own requests: sender and
// recipient checks through smtp_policy, accepted messages through local
// delivery and the queue. Blocking work runs on the worker pool; one log
// line per event, with the queue id for each message.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

boost::asio::awaitable<void> serve_smtp(net::byte_stream& peer, const config::listener& lc, services& svc,
                                        const network_list& trusted, const std::string& id);

}  // namespace mailroom::server
