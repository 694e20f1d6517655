// metrics::names: the name and help text of every metric mailroom exports,
// in one place so that docs/config.md, the tests and the code agree. Read by
// metrics::registry only; the labels each one carries are given beside it.
#pragma once

#include <string_view>

namespace mailroom::metrics::names {

struct metric_name {
    std::string_view name;
    std::string_view help;
};

// {listener}
inline constexpr metric_name connections{"mailroom_connections_total", "TCP connections accepted, per listener"};
inline constexpr metric_name connections_refused{
    "mailroom_connections_refused_total", "Connections refused at accept by max_connections or max_connections_per_ip"};
inline constexpr metric_name connections_open{"mailroom_connections_open", "TCP connections open now, per listener"};
inline constexpr metric_name sessions{"mailroom_sessions_total",
                                      "Protocol sessions started (past the connection limits and implicit TLS)"};
inline constexpr metric_name sessions_active{"mailroom_sessions_active", "Protocol sessions running now"};
// {listener, tls}: "TLSv1.3", "TLSv1.2", ... or "none".
inline constexpr metric_name sessions_ended{"mailroom_sessions_ended_total",
                                            "Protocol sessions ended, by the TLS version they ended with"};
// {protocol, mechanism, result}: result "success", "failure" or "tempfail".
inline constexpr metric_name logins{"mailroom_logins_total", "Login attempts verified, by protocol and mechanism"};
// {listener}
inline constexpr metric_name messages_received{"mailroom_messages_received_total",
                                               "Messages accepted over SMTP (250 after DATA or BDAT LAST)"};
// {destination}: "local" (a mailbox here) or "remote" (relayed: accepted by the next hop).
inline constexpr metric_name delivered{"mailroom_recipients_delivered_total",
                                       "Recipients delivered: to a local mailbox, or relayed to a remote server"};
inline constexpr metric_name deferred{"mailroom_recipients_deferred_total",
                                      "Delivery attempts of a queued recipient that ended in a temporary failure"};
inline constexpr metric_name bounced{"mailroom_recipients_bounced_total",
                                     "Queued recipients that failed for good (5xx, expiry, or bounced by the admin)"};
inline constexpr metric_name delivery_latency{"mailroom_delivery_latency_seconds",
                                              "Time from acceptance to final delivery, per recipient"};
inline constexpr metric_name queue_messages{"mailroom_queue_messages", "Messages in the queue now"};
inline constexpr metric_name queue_oldest_age{"mailroom_queue_oldest_age_seconds",
                                              "Age of the oldest message in the queue (0 when empty)"};
// {code}: the HTTP status of each answer of the HTTP listener.
inline constexpr metric_name http_requests{"mailroom_http_requests_total",
                                           "Requests answered by the HTTP listener, by status code"};

}  // namespace mailroom::metrics::names
