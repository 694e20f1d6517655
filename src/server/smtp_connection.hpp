// server::smtp_connection: one SMTP client (smtp or submission listener)
// from accept (or TLS handshake) to close. Runs an smtp::server_session
// through connection_driver and answers SMTP's own requests: sender and
// recipient checks through smtp_policy, accepted messages through local
// delivery and the queue. Blocking work runs on the worker pool; one log
// line per event, with the queue id for each message.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/acceptance.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"
#include "server/smtp_policy.hpp"

namespace mailroom::server {

// What SMTP's own actions use (sender and recipient checks, staging and
// accepting messages), and nothing more: the SMTP plugin of
// connection_driver sees only this. The shared driver parts (TLS, SASL,
// the offered mechanisms) are built from services by serve_smtp.
struct smtp_services {
    const std::string& hostname;             // Received: by
    boost::asio::thread_pool& pool;          // directory look-ups that block
    boost::asio::thread_pool& storage_pool;  // staged bodies, the acceptance transaction
    const clock& clk;
    random_source& rnd;  // queue ids
    policy_services policy;
    acceptance_context acceptance;
    const std::filesystem::path& staging_dir;  // large bodies on their way (the spool's tmp/)
    delivery::scheduler* const& outbound;      // set once outbound delivery runs
    metrics::registry* metrics = nullptr;      // messages received, logins
};
smtp_services smtp_services_of(services& svc);

// The service table's entry (server.cpp): one connection, start to end.
boost::asio::awaitable<void> serve_smtp(net::byte_stream& peer, const config::listener& lc, services& svc,
                                        const network_list& trusted, const std::string& id);

}  // namespace mailroom::server
