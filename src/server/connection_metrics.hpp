// server::connection_metrics: what one accepted connection adds to /metrics
// - accepted, refused at the limits, open, its session (started, active,
// and at its end the TLS version it ended with). RAII: the gauges come down
// however the connection ends. Declared by the accept path
// (listener_loop.cpp) after the connection's byte_stream, which it reads
// at the end.
#pragma once

#include <string>

#include "metrics/registry.hpp"
#include "net/byte_stream.hpp"

namespace mailroom::server {

class connection_metrics {
public:
    // m == nullptr: counts nothing.
    connection_metrics(metrics::registry* m, const std::string& listener);
    ~connection_metrics();
    connection_metrics(const connection_metrics&) = delete;
    connection_metrics& operator=(const connection_metrics&) = delete;

    void refused();
    // The protocol takes over `peer` (which must outlive this object).
    void session_started(const net::byte_stream& peer);

private:
    metrics::registry* registry_;
    metrics::listener_metrics* series_ = nullptr;
    const std::string& listener_;
    const net::byte_stream* session_ = nullptr;
};

}  // namespace mailroom::server
