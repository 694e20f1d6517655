// delivery::transfer: hands messages to one SMTP server (an MX host or a
// smarthost) over TCP, STARTTLS or implicit TLS, with AUTH when asked. It
// runs the sans-I/O smtp::client engine; it does not pick hosts (DNS is the
// caller's), retry later or touch the queue. Callers: the queue scheduler
// and `mailroom send`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret.hpp"
#include "proto/smtp/client/client_session.hpp"

namespace mailroom::delivery {

struct credentials {
    std::string user;
    secret password;
};

struct smtp_destination {
    std::string host;                                       // name for logs, SNI and the certificate check
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // tried in order until one gives a usable session
    std::uint16_t port = 25;                                // informational; endpoints carry the port
    smtp::client::tls_policy tls = smtp::client::tls_policy::opportunistic;
    bool verify_certificate = false;  // smarthost: true (against host, OpenSSL hostname check)
    std::optional<credentials> auth;  // smarthost AUTH
    std::vector<std::string> sasl_mechanisms{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "CRAM-MD5"};
    // PLAIN/LOGIN without TLS; by default only under TLS (the engine's rule).
    bool plaintext_auth = false;
};

struct transfer_options {
    std::string helo_name;
    boost::asio::ssl::context* tls_client = nullptr;  // client context (CA paths for verification)
    std::chrono::seconds connect_timeout{30};
    // Where the pieces of a stored message (outgoing_message::stored) are
    // read while it is sent; nullptr: on the calling thread.
    boost::asio::thread_pool* storage = nullptr;
    // Optional dialogue trace: direction "C" (us) or "S" (server) or "*"
    // (driver notes); AUTH payloads are shown as "********".
    std::function<void(std::string_view direction, std::string_view line)> trace;
};

struct transfer_report {
    std::vector<smtp::client::message_done> messages;  // one per message given, in order, always
    std::string peer;  // "host[address]:port" of the server that answered, "" if none did
    std::string tls;   // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=no", "" without TLS
    smtp::client::close_reason why = smtp::client::close_reason::connection_lost;
    std::string detail;
};

// Told each message's outcome as soon as the server gave it, while the
// session goes on: so_far.messages[index] is the outcome of the message at
// `index` in the vector given to transfer(); so_far.peer and .tls describe
// the session. The session waits until the returned awaitable is done, so
// the caller can make a 250 durable before the next message goes out (a
// crash then repeats at most the message in flight). Outcomes of a session
// that ended before any message's MAIL are reported too, and that message
// may then be tried again on the next endpoint.
using message_done_handler =
    std::function<boost::asio::awaitable<void>(std::size_t index, const transfer_report& so_far)>;

// Tries each endpoint in turn: a failed connection, or a session that ended
// before any message's MAIL with only temporary connection-stage outcomes,
// moves on to the next endpoint with the same messages. The report holds
// the last attempt. Never throws for network or peer errors (on_done may).
boost::asio::awaitable<transfer_report> transfer(const transfer_options&, const smtp_destination&,
                                                 std::vector<smtp::client::outgoing_message> messages,
                                                 message_done_handler on_done = {});

}  // namespace mailroom::delivery
