// client::client_tls: the OpenSSL context of our client tools (`mailroom
// send`, `mailroom pop3`, the proxy's upstream side): TLS 1.2 or later,
// with the CAs to verify servers against (--ca FILE, else the system's).
// The per-connection checks (SNI, host name) are net::byte_stream's.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace mailroom::client {

struct tls_client_settings {
    bool verify = true;   // load CAs: ca_file, else the system's default paths
    std::string ca_file;  // PEM file of CA certificates; "" for the system's
};

// Throws std::runtime_error naming the file when ca_file cannot be loaded
// (set-up code: the caller reports it and exits).
std::shared_ptr<boost::asio::ssl::context> make_client_context(const tls_client_settings& s);

}  // namespace mailroom::client
