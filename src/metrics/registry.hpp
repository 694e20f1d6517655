// metrics::registry: every counter, gauge and histogram of /metrics (their
// names in names.hpp), kept in a prometheus-cpp registry and rendered in the
// Prometheus text format by render(). One per server, built by server::run
// and handed by pointer to each part that counts (services::metrics, the
// scheduler, the HTTP listener): no global instance. Thread-safe: counters
// and gauges are atomics, label look-ups take the family's mutex, so the
// storage and delivery pools may count too.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::metrics {

// One listener's series, looked up once per connection (registry::listener)
// so the events of a connection cost an atomic add each.
struct listener_metrics {
    prometheus::Counter& connections;
    prometheus::Counter& refused;
    prometheus::Gauge& connections_open;
    prometheus::Counter& sessions;
    prometheus::Gauge& sessions_active;
    prometheus::Counter& messages_received;
};

enum class destination { local, remote };
enum class login_result { success, failure, temporary_failure };

// What the queue holds, asked for at each scrape.
struct queue_snapshot {
    std::size_t messages = 0;
    std::optional<std::chrono::system_clock::time_point> oldest_arrival;  // nullopt: empty
};

class registry {
public:
    registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    // The listener's series, made on first use; the reference stays valid
    // for the registry's life.
    listener_metrics& listener(const std::string& name);

    // A login verified: `mechanism` is reduced to a known name ("USER",
    // "APOP", "LOGIN", a SASL mechanism) or "other", so that a client's
    // words cannot grow the label set.
    void login(std::string_view protocol, std::string_view mechanism, login_result result);
    // A session of `listener` ended; `tls` is byte_stream::tls_description()
    // (its first word is the version) or "none".
    void session_ended(const std::string& listener, std::string_view tls);
    // A recipient reached its mailbox or the next hop, `latency` after the
    // message was accepted.
    void delivered(destination where, std::chrono::nanoseconds latency);
    void deferred(std::size_t recipients = 1);
    void bounced(std::size_t recipients = 1);
    void http_request(unsigned status);

    // Called by render() on the thread that renders (the server's event
    // loop, where the scheduler's state lives). Empty: queue gauges stay 0.
    void set_queue_probe(std::function<queue_snapshot()> probe);

    // The text exposition format, version 0.0.4, of every series, with the
    // queue gauges taken now.
    std::string render(std::chrono::system_clock::time_point now);

private:
    prometheus::Registry registry_;
    prometheus::Family<prometheus::Counter>& connections_;
    prometheus::Family<prometheus::Counter>& refused_;
    prometheus::Family<prometheus::Gauge>& connections_open_;
    prometheus::Family<prometheus::Counter>& sessions_;
    prometheus::Family<prometheus::Gauge>& sessions_active_;
    prometheus::Family<prometheus::Counter>& sessions_ended_;
    prometheus::Family<prometheus::Counter>& logins_;
    prometheus::Family<prometheus::Counter>& received_;
    prometheus::Family<prometheus::Counter>& delivered_;
    prometheus::Counter& deferred_;
    prometheus::Counter& bounced_;
    prometheus::Family<prometheus::Histogram>& latency_;
    prometheus::Histogram& latency_local_;
    prometheus::Histogram& latency_remote_;
    prometheus::Counter& delivered_local_;
    prometheus::Counter& delivered_remote_;
    prometheus::Gauge& queue_messages_;
    prometheus::Gauge& queue_oldest_;
    prometheus::Family<prometheus::Counter>& http_requests_;

    std::mutex mutex_;  // listeners_ and probe_
    std::map<std::string, std::unique_ptr<listener_metrics>, std::less<>> listeners_;
    std::function<queue_snapshot()> probe_;
};

// The label value `mechanism` is counted under (see registry::login).
std::string_view mechanism_label(std::string_view mechanism);

}  // namespace mailroom::metrics
