// server::imap_connection: one IMAP client (imap listener, STARTTLS or
// implicit TLS) from accept (or TLS handshake) to close. Runs an
// imap::session through connection_driver's shared actions and answers
// IMAP's own requests from the user directory and the mail store on the
// worker pools; turns "mailbox changed" events into mailbox_changed().
// Logs one line per event (login, select, disconnect), never a password.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

// The signature every row of the service table has (server.cpp); IMAP
// does not use the trusted networks.
boost::asio::awaitable<void> serve_imap(net::byte_stream& peer, const config::listener& lc, services& svc,
                                        const network_list& trusted, const std::string& id);

}  // namespace mailroom::server
