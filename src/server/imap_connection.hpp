// server::imap_connection: one IMAP client (imap listener, STARTTLS or
// implicit TLS) from accept (or TLS handshake) to close. Runs an
// imap::session through connection_driver's shared actions and answers
// IMAP's own requests from the user directory and the mail store on the
// worker pools; turns "mailbox changed" events into mailbox_changed().
// Logs one line per event (login, select, disconnect), never a password.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <string>

#include "config/settings.hpp"
#include "durable/group_commit.hpp"
#include "net/byte_stream.hpp"
#include "server/acceptance.hpp"  // quota_defaults_of
#include "server/services.hpp"
#include "store/change_bus.hpp"

namespace mailroom::server {

class login_guard;

// What an IMAP connection uses of the server's services, and nothing more;
// built per connection by the service table's row (listener_loop.cpp).
struct imap_services {
    login_services login;                     // LOGIN, AUTHENTICATE, the mechanisms offered
    boost::asio::thread_pool& storage_pool;   // every store call: Maildir, index, fsync
    boost::asio::ssl::context& tls;           // STARTTLS
    const std::filesystem::path& mail_root;   // DATA/mail
    durable::group_commit& mailbox_commits;   // APPEND, COPY, MOVE: shared flushes
    store::change_bus* mailbox_events;        // "mailbox changed", told and heard
    login_guard* logins;                      // failed logins per client address
    store::mailbox_watcher* mailbox_watcher;  // inotify for IDLE; nullptr: IDLE polls
    quota_defaults quotas;                    // GETQUOTA, APPEND/COPY checks
};
inline imap_services imap_services_of(services& svc) {
    return {login_services_of(svc), svc.storage_pool,   svc.tls,    svc.mail_root,
            svc.mailbox_commits,    svc.mailbox_events, svc.logins, svc.mailbox_watcher,
            quota_defaults_of(svc)};
}

boost::asio::awaitable<void> serve_imap(net::byte_stream& peer, const config::listener& lc, imap_services svc,
                                        const std::string& id);

}  // namespace mailroom::server
