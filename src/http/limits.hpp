// http::limits: what one HTTP client may cost the server - request head and
// body size, connections at once, time to send a request and to take an
// answer. Defaults here; [http] in the configuration overrides them
// (docs/config.md). Read by http::listener.
#pragma once

#include <chrono>
#include <cstddef>

namespace mailroom::http {

struct limits {
    // Request line and header fields together; over it: 431 (RFC 6585 §5).
    // 8 KiB is what Beast, nginx and Apache allow by default.
    std::size_t max_header_bytes = 8 * 1024;
    // Over it: 413 (RFC 9110 §15.5.14), checked against Content-Length
    // before the body is read.
    std::size_t max_body_bytes = 1024 * 1024;
    // Connections open at once; the next one gets 503 and is closed.
    unsigned max_connections = 64;
    // A whole request (head and body) must arrive within this of the
    // previous answer (or of the accept): a slow drip does not hold a slot.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
    // An answer must be taken by the client within this.
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
    // Requests on one keep-alive connection; the last answer says close.
    unsigned max_requests_per_connection = 1000;
};

}  // namespace mailroom::http
