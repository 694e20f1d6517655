// server::generation: one configuration in force - the settings, the TLS
// context made from them, the client networks, and the services view the
// connections accepted under it use. server::run makes the first; each
// reload makes a new one (server/reloader.hpp). A connection holds a
// shared_ptr to the generation it was accepted under, so an established
// session finishes on the settings and certificate it began with.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>

#include "config/settings.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"
#include "server/startup.hpp"

namespace mailroom::server {

// What the connections of every listener share.
struct connection_env {
    services& svc;
    const network_list& trusted;       // may relay without AUTH (smtp listeners)
    const network_list& limit_exempt;  // free of max_connections_per_ip
};

// The parts of services that live as long as the process, whatever the
// configuration: every generation's services refers to the same ones.
struct process_parts {
    storage::directory& users;
    auth::sasl_context& sasl;
    storage::pop_before_smtp& pop_before_smtp;
    boost::asio::thread_pool& pool;
    boost::asio::thread_pool& storage_pool;
    std::filesystem::path mail_root;
    const clock& clk;
    random_source& rnd;
    std::string dummy_hash;
    queue::spool& spool;
    durable::group_commit& mailbox_commits;
    store::change_bus* mailbox_events = nullptr;
    login_guard* logins = nullptr;
    metrics::registry* metrics = nullptr;               // /metrics counters
    store::mailbox_watcher* mailbox_watcher = nullptr;  // inotify (IDLE); nullptr without
    delivery::scheduler* outbound = nullptr;            // set once outbound delivery exists
    net::tap_factory* session_taps = nullptr;           // `mailroom dev`: a tap per accepted connection
    server::login_policy* login_policy = nullptr;       // services::login_policy
    const stored_hook* on_stored = nullptr;             // services::on_stored
};

struct generation {
    // `first_session`: where this generation's session ids start, so that
    // they never repeat those of the one before.
    generation(config::settings settings, std::shared_ptr<boost::asio::ssl::context> tls_ctx,
               const process_parts& parts, std::uint64_t first_session);
    generation(const generation&) = delete;
    generation& operator=(const generation&) = delete;

    const config::settings cfg;
    const std::shared_ptr<boost::asio::ssl::context> tls;
    const client_networks networks;
    services svc;  // refers to cfg, *tls and the process parts
    const connection_env env{svc, networks.trusted, networks.limit_exempt};
};

}  // namespace mailroom::server
