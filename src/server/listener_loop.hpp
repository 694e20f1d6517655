// server::listener_loop: the listening sockets and what happens to each
// accepted connection - the per-address slot (unless the address is
// exempt), the TLS handshake of implicit-TLS listeners under its own short
// deadline, and the protocol's serve function from the service table.
// A listener_set follows the generation in force: a reload opens the new
// listeners, closes the removed ones and gives the kept ones the new
// settings for their next connections; a stop closes them all and asks
// every connection to end after its command. Owned by server::run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "net/connection_limits.hpp"
#include "server/generation.hpp"

namespace mailroom::server {

// One open listener: its socket, its limits, and the generation (with its
// entry in that generation's listeners) its next connection is served by.
struct listener_runtime {
    std::shared_ptr<const generation> gen;
    const config::listener* cfg;  // in gen->cfg.listeners
    boost::asio::ip::tcp::acceptor acceptor;
    net::connection_limits limits;
};

// The connections alive, so that a stop can reach them.
using connection_registry = std::list<net::byte_stream*>;

class listener_set {
public:
    explicit listener_set(boost::asio::io_context& io) : io_(io) {}

    // Makes the listeners those of `gen`. A listener of the same name,
    // address and port stays open (its queue of pending connections is not
    // lost) and serves its next connections with gen's settings; the others
    // are bound and listened on first - std::runtime_error naming the one
    // that cannot, and then nothing has changed - and only then are the
    // listeners gen lacks closed. Prints (and logs) a "listening" line for
    // each listener opened, a "closed" line for each one closed.
    void apply(const std::shared_ptr<const generation>& gen);

    // Stops accepting, and asks every connection to end once its current
    // command is done (net::byte_stream::request_stop).
    void stop();

    // The listeners of the generation in force whose socket is closed
    // (/healthz); none after stop(), which forgets them.
    std::vector<std::string> closed() const;

    std::size_t connections() const noexcept { return live_->size(); }

    // Each open listener's name and bound port (the one the system chose
    // for port 0), in the order opened: `mailroom dev`'s ports line.
    std::vector<std::pair<std::string, unsigned>> ports() const;

private:
    boost::asio::io_context& io_;
    std::list<std::shared_ptr<listener_runtime>> open_;
    std::shared_ptr<connection_registry> live_ = std::make_shared<connection_registry>();
};

}  // namespace mailroom::server
