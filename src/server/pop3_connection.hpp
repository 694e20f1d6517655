// server::pop3_connection: one POP3 client from accept (or TLS handshake)
// to close. Runs a pop3::server_session through connection_driver and
// answers POP3's own requests from the user directory and the Maildir,
// doing blocking work on the worker pool. Logs one line per event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "config/settings.hpp"
#include "net/byte_stream.hpp"
#include "server/services.hpp"

namespace mailroom::server {

// What a POP3 connection uses of the server's services, and nothing more;
// built per connection by the service table's row (server.cpp).
struct pop3_services {
    login_services login;                    // USER/PASS, APOP, SASL, the mechanisms offered
    boost::asio::thread_pool& pool;          // maildrop scans, message reads the cache cannot answer
    boost::asio::thread_pool& storage_pool;  // UPDATE's durable deletes
    boost::asio::ssl::context& tls;          // STLS
    const std::filesystem::path& mail_root;
    const std::string& hostname;  // in the APOP timestamp
    const clock& clk;
    random_source& rnd;
    storage::pop_before_smtp& pop_before_smtp;  // a login is recorded there
    store::change_bus* mailbox_events;          // UPDATE publishes "mailbox changed"
    login_guard* logins;                        // failed logins per client address
};

boost::asio::awaitable<void> serve_pop3(net::byte_stream& peer, const config::listener& lc, pop3_services svc,
                                        const std::string& id);

}  // namespace mailroom::server
