// proxy::serve_pop3_relay: one mail program's POP3 session through the
// proxy, from accept to close. Before login a pop3::proxy_front answers the
// program (USER/PASS, CAPA, QUIT); PASS logs in upstream through
// client::pop3_connection with the entry's method (APOP digest, SASL
// CRAM-MD5/SCRAM, or USER/PLAIN inside TLS; STLS or implicit TLS with the
// certificate verified) and the program gets the upstream's verdict. Then
// bytes are relayed both ways unchanged until either side closes (a
// dropped program never sends QUIT upstream, so nothing is deleted: RFC
// 1939 §6). One log line per session. Called by proxy/listener.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "net/byte_stream.hpp"
#include "proxy/runtime.hpp"

namespace mailroom::proxy {

boost::asio::awaitable<void> serve_pop3_relay(net::byte_stream& program, const runtime& rt, const std::string& id);

}  // namespace mailroom::proxy
