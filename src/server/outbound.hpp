// server::outbound: outbound delivery inside the server - the DNS resolver,
// the TLS client context and the delivery scheduler, built from the
// [delivery] settings and started on the server's io_context with the
// queue as recover() found it. Local recipients met in the queue (DSNs to
// local senders, alias targets) go through server::accept_message.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <vector>

#include "delivery/scheduler.hpp"
#include "dns/resolver.hpp"
#include "queue/envelope.hpp"
#include "server/services.hpp"

namespace mailroom::server {

class outbound {
public:
    // Throws std::runtime_error for settings that cannot be used (retry
    // policy, DNS forwarder, smarthost CA file): startup only.
    outbound(boost::asio::io_context& io, services& svc);
    outbound(const outbound&) = delete;
    outbound& operator=(const outbound&) = delete;

    void start(std::vector<queue::envelope> queued) { scheduler_->start(std::move(queued)); }
    void stop() { scheduler_->stop(); }
    delivery::scheduler& scheduler() { return *scheduler_; }

private:
    std::unique_ptr<dns::resolver> resolver_;
    std::unique_ptr<boost::asio::ssl::context> tls_client_;
    std::unique_ptr<delivery::scheduler> scheduler_;
};

// The routing part of [delivery] (static routes, smarthost, MX policy).
delivery::routing_config routing_of(const config::settings& cfg);

// The DNS resolver's settings from [delivery] (forwarder, special zones).
dns::resolver_options resolver_options_of(const config::delivery_settings& d);

// Client side TLS: MX delivery encrypts without verifying (RFC 7435
// opportunistic security); the smarthost is verified against its ca_file or
// the system's trust store. Throws std::runtime_error for an unreadable ca_file.
std::unique_ptr<boost::asio::ssl::context> client_tls(const config::delivery_settings& d);

// The scheduler's local delivery of recipient `recipient` of `queued`
// (blocking: storage pool), through accept_message. errc::not_found when
// the address is no user, alias or catch-all. Remote alias targets are
// queued as a new message with the envelope's options.
std::error_code deliver_queued_locally(services& svc, const queue::envelope& queued, std::size_t recipient,
                                       const queue::message_source& content);

}  // namespace mailroom::server
