#include "server/generation.hpp"

namespace mailroom::server {

generation::generation(config::settings settings, std::shared_ptr<boost::asio::ssl::context> tls_ctx,
                       const process_parts& p, std::uint64_t first_session)
    : cfg(std::move(settings)), tls(std::move(tls_ctx)), networks(client_networks_of(cfg)),
      svc{cfg,         p.users, p.sasl, p.pop_before_smtp, p.pool,  p.storage_pool,    *tls,
          p.mail_root, p.clk,   p.rnd,  p.dummy_hash,      p.spool, p.mailbox_commits, {}} {
    svc.next_session = first_session;
    svc.outbound = p.outbound;
    svc.mailbox_events = p.mailbox_events;
    svc.logins = p.logins;
    svc.metrics = p.metrics;
    svc.session_taps = p.session_taps;
    svc.mailbox_watcher = p.mailbox_watcher;
    svc.login_policy = p.login_policy;
    svc.on_stored = p.on_stored;
}

}  // namespace mailroom::server
