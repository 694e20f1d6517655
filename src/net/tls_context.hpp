// net::tls_context: the server-side OpenSSL context of every TLS listener
// (STLS and implicit TLS), and the self-signed certificate `serve` makes on
// first start. Does not do handshakes; byte_stream does.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "common/result.hpp"

namespace mailroom::net {

// Makes a 10-year self-signed RSA-2048 certificate for hostname (SAN:
// hostname, localhost, 127.0.0.1, ::1) unless both files already exist.
// The key is written 0600; both files appear atomically.
std::error_code ensure_self_signed(const std::filesystem::path& cert, const std::filesystem::path& key,
                                   const std::string& hostname);

// TLS 1.2+ server context with the certificate chain and key loaded.
result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const std::filesystem::path& cert,
                                                                       const std::filesystem::path& key);

}  // namespace mailroom::net
