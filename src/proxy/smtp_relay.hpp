// proxy::serve_smtp_relay: one device's SMTP session through the proxy, from
// accept to close. The device speaks plain SMTP to an smtp::server_session
// (with AUTH against the entry's local user when one is set); each message
// is kept in a message_buffer as it arrives and, at the device's end of
// data, submitted upstream through delivery::transfer (STARTTLS or implicit
// TLS, certificate verified, AUTH with the stored credentials) before the
// device gets its reply: 250 only when upstream took it for every
// recipient, else upstream's refusal in the same class (proxy/smtp_outcome).
// One log line per message relayed and one per session. Called by
// proxy/listener.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "net/byte_stream.hpp"
#include "proxy/runtime.hpp"

namespace mailroom::proxy {

boost::asio::awaitable<void> serve_smtp_relay(net::byte_stream& device, const runtime& rt, const std::string& id);

}  // namespace mailroom::proxy
