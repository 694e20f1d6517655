// server::services: the long-lived parts every connection asks for work -
// configuration, user directory, SASL, TLS, worker pool, registries. Built
// once by server::run (server.cpp) and passed by reference; a session never
// owns any of them (STYLE.md §11).
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/sasl_server.hpp"
#include "common/clock.hpp"
#include "config/settings.hpp"
#include "durable/group_commit.hpp"
#include "net/stream_tap.hpp"
#include "queue/spool.hpp"
#include "server/local_delivery.hpp"
#include "storage/directory.hpp"
#include "storage/pop_before_smtp.hpp"
#include "store/change_bus.hpp"
#include "store/mailbox_watcher.hpp"

namespace mailroom::delivery {
class scheduler;
}
namespace mailroom::metrics {
class registry;
}

namespace mailroom::server {

class login_guard;
class login_policy;

struct services {
    const config::settings& cfg;
    storage::directory& users;  // lookups only: the CLI administers
    auth::sasl_context& sasl;
    storage::pop_before_smtp& pop_before_smtp;
    boost::asio::thread_pool& pool;  // blocking CPU work: hashes, SQLite
    // Blocking durable writes (queue, Maildir). Many threads, because a
    // group commit can only batch the commits that wait at the same time.
    boost::asio::thread_pool& storage_pool;
    boost::asio::ssl::context& tls;
    std::filesystem::path mail_root;  // DATA/mail
    const clock& clk;
    random_source& rnd;
    std::string dummy_hash;                  // checked for unknown users: same cost as a real one
    queue::spool& spool;                     // DATA/queue: accepted mail for remote recipients
    durable::group_commit& mailbox_commits;  // every Maildir delivery: shared flushes
    std::atomic<std::uint64_t> next_session{1};
    // Outbound delivery (server/outbound.hpp), set once it exists; newly
    // queued messages are handed to it. Its add() may be called from any
    // thread.
    delivery::scheduler* outbound = nullptr;
    // "Mailbox changed" events: local delivery and POP3 UPDATE publish,
    // sessions subscribe (store/change_bus.hpp). Set once at start-up.
    store::change_bus* mailbox_events = nullptr;
    // Publishes other programs' changes to open mailboxes on mailbox_events
    // (store/inotify_watcher.hpp); nullptr without inotify. Set once at start-up.
    store::mailbox_watcher* mailbox_watcher = nullptr;
    // Failed logins per client address (login_check.hpp), for every
    // listener; set once at start-up, used on the event loop only.
    login_guard* logins = nullptr;
    // The counters of /metrics (metrics/registry.hpp); set once at start-up,
    // thread-safe. nullptr: nothing is counted.
    metrics::registry* metrics = nullptr;
    // `mailroom dev` (sandbox/session_tap.hpp): makes the recording and
    // fault tap of each accepted connection; nullptr in production.
    net::tap_factory* session_taps = nullptr;
    // Logins answered by this instead of the user directory (the sandbox's
    // accept-any-login, login_policy.hpp); nullptr: the directory decides.
    server::login_policy* login_policy = nullptr;
    // Told of every message stored by local delivery (the sandbox's
    // captures); nullptr: nobody is.
    const stored_hook* on_stored = nullptr;
};

// What checking a login needs (passwords, SASL, the mechanisms on offer):
// a part of services a protocol plugin can be given instead of the whole.
struct login_services {
    storage::directory& users;
    auth::sasl_context& sasl;
    boost::asio::thread_pool& pool;          // yescrypt, SQLite
    const std::string& dummy_hash;           // checked for unknown users
    metrics::registry* metrics = nullptr;    // logins counted (nullptr: not)
    server::login_policy* policy = nullptr;  // set: it answers, not the directory
};
inline login_services login_services_of(services& svc) {
    return {svc.users, svc.sasl, svc.pool, svc.dummy_hash, svc.metrics, svc.login_policy};
}

// A short unique id for log lines of one connection ("P1a2b").
std::string session_id(services& svc, char prefix);

}  // namespace mailroom::server
