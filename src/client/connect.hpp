// client::connect_to: resolves a host name (or takes an address literal)
// and connects to the first address that answers, all within one deadline,
// for the client tools and the proxy's upstream side. No TLS here: the
// caller starts it on the returned stream (byte_stream::start_tls_client).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/byte_stream.hpp"

namespace mailroom::client {

struct connected {
    std::unique_ptr<net::byte_stream> stream;  // null on failure
    std::string peer;                          // "host[address]:port" of the one that answered
    std::string error;                         // why not, naming the host, when stream is null
};

// Never throws for resolver or network errors; the deadline covers the
// lookup and every connection attempt together.
boost::asio::awaitable<connected> connect_to(const std::string& host, std::uint16_t port,
                                             std::chrono::milliseconds limit);

}  // namespace mailroom::client
