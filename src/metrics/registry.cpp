#include "metrics/registry.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/sasl_mechanisms.hpp"
#include "metrics/names.hpp"

namespace mailroom::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

Family<Counter>& counter(prometheus::Registry& r, const names::metric_name& n) {
    return prometheus::BuildCounter().Name(std::string(n.name)).Help(std::string(n.help)).Register(r);
}
Family<Gauge>& gauge(prometheus::Registry& r, const names::metric_name& n) {
    return prometheus::BuildGauge().Name(std::string(n.name)).Help(std::string(n.help)).Register(r);
}

// Seconds: a local delivery takes milliseconds (one fsync), a relay a
// second or so, a deferred one hours or days (up to max_lifetime, 5 days).
Histogram::BucketBoundaries latency_buckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400, 432000};
}

// Login mechanisms that are not SASL: POP3 USER/PASS and APOP, IMAP LOGIN.
constexpr std::array<std::string_view, 3> own_mechanisms{"USER", "APOP", "LOGIN"};

bool same_word(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::string_view mechanism_label(std::string_view mechanism) {
    for (auto known : sasl_mechanism_names)
        if (same_word(known, mechanism)) return known;
    for (auto known : own_mechanisms)
        if (same_word(known, mechanism)) return known;
    return "other";
}

registry::registry()
    : connections_(counter(registry_, names::connections)), refused_(counter(registry_, names::connections_refused)),
      connections_open_(gauge(registry_, names::connections_open)), sessions_(counter(registry_, names::sessions)),
      sessions_active_(gauge(registry_, names::sessions_active)),
      sessions_ended_(counter(registry_, names::sessions_ended)), logins_(counter(registry_, names::logins)),
      received_(counter(registry_, names::messages_received)), delivered_(counter(registry_, names::delivered)),
      deferred_(counter(registry_, names::deferred).Add({})), bounced_(counter(registry_, names::bounced).Add({})),
      latency_(prometheus::BuildHistogram()
                   .Name(std::string(names::delivery_latency.name))
                   .Help(std::string(names::delivery_latency.help))
                   .Register(registry_)),
      latency_local_(latency_.Add({{"destination", "local"}}, latency_buckets())),
      latency_remote_(latency_.Add({{"destination", "remote"}}, latency_buckets())),
      delivered_local_(delivered_.Add({{"destination", "local"}})),
      delivered_remote_(delivered_.Add({{"destination", "remote"}})),
      queue_messages_(gauge(registry_, names::queue_messages).Add({})),
      queue_oldest_(gauge(registry_, names::queue_oldest_age).Add({})),
      http_requests_(counter(registry_, names::http_requests)) {}

listener_metrics& registry::listener(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = listeners_.find(name);
    if (it != listeners_.end()) return *it->second;
    const prometheus::Labels labels{{"listener", name}};
    auto made = std::make_unique<listener_metrics>(
        listener_metrics{connections_.Add(labels), refused_.Add(labels), connections_open_.Add(labels),
                         sessions_.Add(labels), sessions_active_.Add(labels), received_.Add(labels)});
    return *listeners_.emplace(name, std::move(made)).first->second;
}

void registry::login(std::string_view protocol, std::string_view mechanism, login_result result) {
    const char* word = result == login_result::success   ? "success"
                       : result == login_result::failure ? "failure"
                                                         : "tempfail";
    logins_
        .Add({{"protocol", std::string(protocol)},
              {"mechanism", std::string(mechanism_label(mechanism))},
              {"result", word}})
        .Increment();
}

void registry::session_ended(const std::string& listener, std::string_view tls) {
    // "TLSv1.3 TLS_AES_256_GCM_SHA384": the version only (OpenSSL's few names).
    const auto version = tls.substr(0, tls.find(' '));
    sessions_ended_.Add({{"listener", listener}, {"tls", version.empty() ? "none" : std::string(version)}}).Increment();
}

void registry::delivered(destination where, std::chrono::nanoseconds latency) {
    const double seconds = std::max(0.0, std::chrono::duration<double>(latency).count());
    if (where == destination::local) {
        delivered_local_.Increment();
        latency_local_.Observe(seconds);
    } else {
        delivered_remote_.Increment();
        latency_remote_.Observe(seconds);
    }
}

void registry::deferred(std::size_t recipients) { deferred_.Increment(static_cast<double>(recipients)); }
void registry::bounced(std::size_t recipients) { bounced_.Increment(static_cast<double>(recipients)); }

void registry::http_request(unsigned status) {
    // Only the statuses our own handlers and the listener give: a bounded set.
    http_requests_.Add({{"code", std::to_string(status)}}).Increment();
}

void registry::set_queue_probe(std::function<queue_snapshot()> probe) {
    std::lock_guard lock(mutex_);
    probe_ = std::move(probe);
}

std::string registry::render(std::chrono::system_clock::time_point now) {
    std::function<queue_snapshot()> probe;
    {
        std::lock_guard lock(mutex_);
        probe = probe_;
    }
    if (probe) {
        const auto q = probe();
        queue_messages_.Set(static_cast<double>(q.messages));
        queue_oldest_.Set(
            q.oldest_arrival ? std::max(0.0, std::chrono::duration<double>(now - *q.oldest_arrival).count()) : 0.0);
    }
    return prometheus::TextSerializer().Serialize(registry_.Collect());
}

}  // namespace mailroom::metrics
