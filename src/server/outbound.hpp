// server::outbound: outbound delivery inside the server - the DNS resolver,
// the TLS client context and the delivery scheduler, built from the
// [delivery] settings and started on the server's io_context with the
// queue as recover() found it. Local recipients met in the queue (DSNs to
// local senders, alias targets) go through server::accept_message.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "delivery/scheduler.hpp"
#include "dns/resolver.hpp"
#include "queue/envelope.hpp"
#include "server/generation.hpp"
#include "server/services.hpp"

namespace mailroom::server {

class outbound {
public:
    // Throws std::runtime_error for settings that cannot be used (retry
    // policy, DNS forwarder, smarthost CA file).
    outbound(boost::asio::io_context& io, services& svc);
    outbound(const outbound&) = delete;
    outbound& operator=(const outbound&) = delete;

    void start(std::vector<queue::envelope> queued) { scheduler_->start(std::move(queued)); }
    void stop() { scheduler_->stop(); }
    delivery::scheduler& scheduler() { return *scheduler_; }

    // A reload (server/reloader.hpp): builds the new generation's [delivery]
    // - throwing std::runtime_error, as at start, for settings that cannot
    // be used - and returns what puts it in force: rounds that start after
    // it route, retry and send as `next` says, local delivery from the
    // queue uses next's services; rounds under way finish as they began.
    std::function<void()> prepare_reload(const std::shared_ptr<const generation>& next);

private:
    // The sending side of one [delivery]: a resolver with its forwarder and
    // the client TLS context the transfer options point to.
    struct sending {
        std::shared_ptr<dns::resolver> resolver;
        std::unique_ptr<boost::asio::ssl::context> tls_client;
        delivery::transfer_options transfer;
    };
    static sending sending_of(boost::asio::io_context& io, const services& svc);
    // Local delivery runs on the storage pool: the services it uses, and
    // what keeps them alive, are read under a lock.
    std::pair<services*, std::shared_ptr<const void>> local_services() const;

    boost::asio::io_context& io_;
    std::shared_ptr<dns::resolver> resolver_;  // the first generation's
    std::unique_ptr<boost::asio::ssl::context> tls_client_;
    std::unique_ptr<delivery::scheduler> scheduler_;
    mutable std::mutex local_mu_;
    services* local_;
    std::shared_ptr<const void> local_owner_;  // the generation of local_ (empty: the first, which run() keeps)
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
