// metrics::registry: every series appears in the rendered text with its
// labels, counts add up across threads, the queue gauges are taken at
// render time, and client-chosen mechanism names cannot grow the labels.
#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mailroom::metrics {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(metrics_registry, listener_series_and_gauges) {
    registry r;
    auto& smtp = r.listener("smtp");
    EXPECT_EQ(&smtp, &r.listener("smtp"));  // looked up once, stable
    smtp.connections.Increment();
    smtp.connections.Increment();
    smtp.connections_open.Increment();
    smtp.sessions.Increment();
    smtp.messages_received.Increment(3);
    r.session_ended("smtp", "TLSv1.3 TLS_AES_256_GCM_SHA384");
    r.session_ended("smtp", "none");
    const auto text = r.render(std::chrono::system_clock::now());
    EXPECT_TRUE(has_line(text, "mailroom_connections_total{listener=\"smtp\"} 2")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_connections_open{listener=\"smtp\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_sessions_total{listener=\"smtp\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_messages_received_total{listener=\"smtp\"} 3")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_sessions_ended_total{listener=\"smtp\",tls=\"TLSv1.3\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_sessions_ended_total{listener=\"smtp\",tls=\"none\"} 1")) << text;
    EXPECT_NE(text.find("# TYPE mailroom_connections_total counter"), std::string::npos);
    EXPECT_NE(text.find("# TYPE mailroom_connections_open gauge"), std::string::npos);
}

TEST(metrics_registry, logins_with_bounded_mechanism_labels) {
    registry r;
    r.login("imap", "LOGIN", login_result::success);
    r.login("smtp", "plain", login_result::failure);
    r.login("smtp", "X-EVIL-\"}\n", login_result::failure);
    r.login("pop3", "USER", login_result::temporary_failure);
    const auto text = r.render(std::chrono::system_clock::now());
    EXPECT_TRUE(has_line(text, "mailroom_logins_total{mechanism=\"LOGIN\",protocol=\"imap\",result=\"success\"} 1"))
        << text;
    EXPECT_TRUE(has_line(text, "mailroom_logins_total{mechanism=\"PLAIN\",protocol=\"smtp\",result=\"failure\"} 1"))
        << text;
    EXPECT_TRUE(has_line(text, "mailroom_logins_total{mechanism=\"other\",protocol=\"smtp\",result=\"failure\"} 1"))
        << text;
    EXPECT_TRUE(has_line(text, "mailroom_logins_total{mechanism=\"USER\",protocol=\"pop3\",result=\"tempfail\"} 1"))
        << text;
    EXPECT_EQ(mechanism_label("scram-sha-256"), "SCRAM-SHA-256");
    EXPECT_EQ(mechanism_label(""), "other");
}

TEST(metrics_registry, deliveries_and_latency_histogram) {
    registry r;
    r.delivered(destination::local, 3ms);
    r.delivered(destination::remote, 2s);
    r.delivered(destination::remote, 7200s);
    r.deferred(2);
    r.bounced();
    const auto text = r.render(std::chrono::system_clock::now());
    EXPECT_TRUE(has_line(text, "mailroom_recipients_delivered_total{destination=\"local\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_recipients_delivered_total{destination=\"remote\"} 2")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_recipients_deferred_total 2")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_recipients_bounced_total 1")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_delivery_latency_seconds_count{destination=\"remote\"} 2")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_delivery_latency_seconds_bucket{destination=\"remote\",le=\"2.5\"} 1"))
        << text;
    EXPECT_TRUE(has_line(text, "mailroom_delivery_latency_seconds_bucket{destination=\"local\",le=\"0.005\"} 1"))
        << text;
}

TEST(metrics_registry, queue_gauges_are_taken_at_render) {
    registry r;
    const auto now = std::chrono::system_clock::now();
    auto text = r.render(now);
    EXPECT_TRUE(has_line(text, "mailroom_queue_messages 0")) << text;
    std::size_t messages = 4;
    r.set_queue_probe([&] { return queue_snapshot{messages, now - 90s}; });
    text = r.render(now);
    EXPECT_TRUE(has_line(text, "mailroom_queue_messages 4")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_queue_oldest_age_seconds 90")) << text;
    messages = 0;
    r.set_queue_probe([&] { return queue_snapshot{messages, std::nullopt}; });
    text = r.render(now);
    EXPECT_TRUE(has_line(text, "mailroom_queue_messages 0")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_queue_oldest_age_seconds 0")) << text;
}

TEST(metrics_registry, counts_from_many_threads_add_up) {
    registry r;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&r, t] {
            for (int i = 0; i < 2000; ++i) {
                r.listener(t % 2 ? "pop3" : "imap").connections.Increment();
                r.login("pop3", "USER", login_result::success);
                r.delivered(destination::local, 1ms);
            }
        });
    for (auto& th : threads) th.join();
    const auto text = r.render(std::chrono::system_clock::now());
    EXPECT_TRUE(has_line(text, "mailroom_connections_total{listener=\"pop3\"} 4000")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_connections_total{listener=\"imap\"} 4000")) << text;
    EXPECT_TRUE(has_line(text, "mailroom_logins_total{mechanism=\"USER\",protocol=\"pop3\",result=\"success\"} 8000"))
        << text;
    EXPECT_TRUE(has_line(text, "mailroom_delivery_latency_seconds_count{destination=\"local\"} 8000")) << text;
}

}  // namespace
}  // namespace mailroom::metrics
