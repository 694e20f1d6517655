// server::pop3_connection: one POP3 client from accept (or TLS handshake)
// to close. Runs a pop3::server_session through connection_driver and
// answers POP3's own requests from the user directory and the Maildir,
// doing blocking work on the worker pool. Logs one line per event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

// The signature every row of the service table has (server.cpp); POP3
// does not use the trusted networks.
boost::asio::awaitable<void> serve_pop3(net::byte_stream& peer, const config::listener& lc, services& svc,
                                        const network_list& trusted, const std::string& id);

}  // namespace mailroom::server
