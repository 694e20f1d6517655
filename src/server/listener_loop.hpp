// server::listener_loop: the listening sockets and what happens to each
// accepted connection - the per-address slot (unless the address is
// exempt), the TLS handshake of implicit-TLS listeners under its own short
// deadline, and the protocol's serve function from the service table.
// Opened and started by server::run (server.cpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <list>

#include "config/settings.hpp"
#include "net/connection_limits.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

// One open listener: its socket, its limits and its configuration.
struct listener_runtime {
    const config::listener& cfg;
    boost::asio::ip::tcp::acceptor acceptor;
    net::connection_limits limits;
};

// Binds and listens on every configured listener (prints and logs one
// "listening" line each); throws std::runtime_error naming the listener
// that cannot. A std::list: the accept loops keep their addresses.
std::list<listener_runtime> open_listeners(boost::asio::io_context& io, const std::vector<config::listener>& cfg);

// What the connections of every listener share.
struct connection_env {
    services& svc;
    const network_list& trusted;       // may relay without AUTH (smtp listeners)
    const network_list& limit_exempt;  // free of max_connections_per_ip
};

// One accept loop per listener on io; they end when io stops. `env` (and
// `listeners`) must outlive io's run.
void start_accepting(boost::asio::io_context& io, std::list<listener_runtime>& listeners, const connection_env& env);

}  // namespace mailroom::server
