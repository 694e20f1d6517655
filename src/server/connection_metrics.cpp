#include "server/connection_metrics.hpp"

namespace mailroom::server {

connection_metrics::connection_metrics(metrics::registry* m, const std::string& listener)
    : registry_(m), listener_(listener) {
    if (!registry_) return;
    series_ = &registry_->listener(listener);
    series_->connections.Increment();
    series_->connections_open.Increment();
}

connection_metrics::~connection_metrics() {
    if (!series_) return;
    series_->connections_open.Decrement();
    if (!session_) return;
    series_->sessions_active.Decrement();
    registry_->session_ended(listener_, session_->tls_description());
}

void connection_metrics::refused() {
    if (series_) series_->refused.Increment();
}

void connection_metrics::session_started(const net::byte_stream& peer) {
    if (!series_ || session_) return;
    session_ = &peer;
    series_->sessions.Increment();
    series_->sessions_active.Increment();
}

}  // namespace mailroom::server
