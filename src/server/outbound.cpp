#include "server/outbound.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/errors.hpp"
#include "common/log_field.hpp"
#include "queue/retry_schedule.hpp"
#include "queue/spool.hpp"
#include "server/acceptance.hpp"

namespace mailroom::server {
namespace {

namespace asio = boost::asio;

dns::address_order order_of(config::address_order o) {
    switch (o) {
        case config::address_order::ipv6_first: return dns::address_order::ipv6_first;
        case config::address_order::ipv4_first: return dns::address_order::ipv4_first;
        case config::address_order::ipv6_only: return dns::address_order::ipv6_only;
        case config::address_order::ipv4_only: return dns::address_order::ipv4_only;
    }
    return dns::address_order::ipv6_first;
}

}  // namespace

delivery::routing_config routing_of(const config::settings& cfg) {
    const auto& d = cfg.delivery;
    delivery::routing_config r;
    r.smtp_port = d.smtp_port;
    r.opportunistic_tls = d.opportunistic_tls;
    r.addresses.order = order_of(d.addresses);
    // RFC 5321 §5.1: when we are one of the domain's MX hosts, only more
    // preferred ones may be tried (no loop back to ourselves).
    r.mx.local_names = {cfg.hostname};
    for (const auto& [domain, route] : d.routes) r.routes[domain] = {route.host, route.port, route.literal};
    if (d.smarthost) {
        const auto& s = *d.smarthost;
        delivery::smarthost_route h;
        h.host = s.host;
        h.port = s.port;
        h.implicit_tls = s.tls == config::tls_mode::implicit;
        h.verify_certificate = s.verify_certificate;
        if (!s.username.empty()) h.auth = delivery::credentials{s.username, secret(std::string(s.password))};
        r.smarthost = std::move(h);
    }
    return r;
}

namespace {

queue::retry_policy retry_of(const config::delivery_settings& d) {
    queue::retry_policy p;
    p.initial_delay = d.retry_initial;
    p.max_delay = d.retry_max;
    p.growth_factor = d.retry_growth;
    p.max_lifetime = d.max_lifetime;
    p.delay_warning_after = d.delay_warning;
    if (auto why = queue::check_policy(p)) throw std::runtime_error("[delivery] retry settings: " + *why);
    return p;
}

}  // namespace

dns::resolver_options resolver_options_of(const config::delivery_settings& d) {
    dns::resolver_options o;
    o.forwarder_address = d.dns_forwarder;
    o.forwarder_port = d.dns_forwarder_port;
    o.forwarded_special_zones = d.dns_special_zones;
    return o;
}

std::unique_ptr<asio::ssl::context> client_tls(const config::delivery_settings& d) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (d.smarthost && !d.smarthost->ca_file.empty()) {
        ctx->load_verify_file(d.smarthost->ca_file.string(), ec);
        if (ec)
            throw std::runtime_error("[delivery.smarthost] cannot load ca_file " + d.smarthost->ca_file.string() +
                                     ": " + ec.message());
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec) spdlog::warn("no system CA certificates: {}", ec.message());
    }
    return ctx;
}

delivery::scheduler_config scheduler_config_of(const config::settings& cfg) {
    delivery::scheduler_config sc;
    sc.hostname = cfg.hostname;
    sc.routing = routing_of(cfg);
    sc.retry = retry_of(cfg.delivery);
    sc.max_parallel_rounds = cfg.delivery.max_parallel;
    sc.max_per_domain = cfg.delivery.max_per_domain;
    return sc;
}

outbound::sending outbound::sending_of(asio::io_context& io, const services& svc) {
    const auto& cfg = svc.cfg;
    sending s;
    s.resolver = std::make_shared<dns::resolver>(io.get_executor(), resolver_options_of(cfg.delivery));
    s.tls_client = client_tls(cfg.delivery);
    s.transfer.helo_name = cfg.hostname;
    s.transfer.tls_client = s.tls_client.get();
    s.transfer.connect_timeout = cfg.delivery.connect_timeout;
    s.transfer.storage = &svc.storage_pool;  // queued bodies are read there, piece by piece, while sent
    return s;
}

outbound::outbound(asio::io_context& io, services& svc) : io_(io), local_(&svc) {
    auto first = sending_of(io, svc);
    resolver_ = first.resolver;
    tls_client_ = std::move(first.tls_client);
    delivery::scheduler_services ss{
        svc.spool,
        svc.storage_pool,
        *resolver_,
        svc.rnd,
        std::move(first.transfer),
        [&svc](const std::string& domain) {
            auto local = svc.users.has_domain(domain);
            return local && *local;
        },
        [this](const queue::envelope& env, std::size_t recipient, const queue::message_source& content) {
            // The newest configuration's view (hostname, quotas); the
            // generation it belongs to lives while this delivery uses it.
            auto [local, keep] = local_services();
            return deliver_queued_locally(*local, env, recipient, content);
        },
        svc.metrics,
    };
    scheduler_ = std::make_unique<delivery::scheduler>(io.get_executor(), scheduler_config_of(svc.cfg), std::move(ss));
}

std::pair<services*, std::shared_ptr<const void>> outbound::local_services() const {
    std::lock_guard lock(local_mu_);
    return {local_, local_owner_};
}

std::function<void()> outbound::prepare_reload(const std::shared_ptr<const generation>& next) {
    // Everything that can fail, before anything changes: the retry policy,
    // the DNS forwarder, the smarthost's CA file.
    auto sc = scheduler_config_of(next->cfg);
    auto s = std::make_shared<sending>(sending_of(io_, next->env.svc));
    return [this, next, sc = std::move(sc), s]() mutable {
        auto& resolver = *s->resolver;
        auto transfer = s->transfer;
        scheduler_->reconfigure(std::move(sc), resolver, std::move(transfer), s);
        std::lock_guard lock(local_mu_);
        local_ = &next->env.svc;
        local_owner_ = next;
    };
}

std::error_code deliver_queued_locally(services& svc, const queue::envelope& queued, std::size_t recipient,
                                       const queue::message_source& content) {
    // One recipient through the acceptance transaction: remote alias targets
    // become a new queued message (their own attempts and DSNs) with the
    // envelope's options and this recipient's NOTIFY and ORCPT.
    queue::envelope msg = queued;
    msg.recipients = {queued.recipients.at(recipient)};
    msg.arrived = svc.clk.now();
    const std::string log_id = queued.id + " <" + msg.recipients.front().address + ">";
    auto ctx = acceptance_context_of(svc);
    ctx.success_notices = false;   // the scheduler's outcome decision reports this delivery
    ctx.queue_over_quota = false;  // a full mailbox: errc::over_quota, deferred by the scheduler
    ctx.metrics = nullptr;         // and counts it
    auto done = accept_message(ctx, msg, content, log_id);
    if (!done) return done.error();
    if (!done->queued_as.empty())
        spdlog::info("{} queued as {} for the remote targets of <{}>", queued.id, done->queued_as,
                     log_field(msg.recipients.front().address));
    schedule(svc, std::move(*done));
    return {};
}

}  // namespace mailroom::server
