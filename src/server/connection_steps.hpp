// server::connection_steps: what every protocol driver does the same way -
// decide which SASL mechanisms to offer, upgrade to TLS with a deadline,
// wait out a failed-login delay. Used by connection_driver and the
// implicit-TLS accept path (server.cpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/services.hpp"

namespace mailroom::server {

struct auth_offer {
    std::vector<std::string> mechanisms;  // configured, served by GNU SASL, usable by someone
    bool legacy_possible = true;          // some user has a legacy secret: APOP and CRAM-MD5 can work
};

// APOP and CRAM-MD5 work only for --legacy-auth users: without any,
// offering them only makes clients (curl, for one) pick a mechanism that
// must fail. The user directory is read on the worker pool, once per
// connection.
boost::asio::awaitable<auth_offer> auth_offer_for(const config::listener& lc, login_services svc);
inline boost::asio::awaitable<auth_offer> auth_offer_for(const config::listener& lc, services& svc) {
    return auth_offer_for(lc, login_services_of(svc));
}

// TLS handshake within the peer's handshake_limit() (the listener's
// tls_handshake_timeout, short: a stalled handshake must not hold a slot
// for the idle timeout); logs the result under `id`. False: close.
boost::asio::awaitable<bool> upgrade_to_tls(net::byte_stream& peer, boost::asio::ssl::context& tls,
                                            const std::string& id);

// A timer, so only this connection waits (failed-login delays).
boost::asio::awaitable<void> wait_for(std::chrono::milliseconds delay);

}  // namespace mailroom::server
