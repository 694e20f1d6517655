// server::pop3_connection: one POP3 client from accept (or TLS handshake)
// to close. Runs a pop3::server_session through net::run_engine and
// answers its requests from the user directory, GNU SASL and the Maildir,
// doing blocking work on the worker pool. Logs one line per event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/services.hpp"

namespace mailroom::server {

boost::asio::awaitable<void> serve_pop3(net::byte_stream& peer, const config::listener& lc,
                                        services& svc, const std::string& id);

}  // namespace mailroom::server
