// server::startup: the steps server::run takes before it serves, each one
// returning what it built (or throwing std::runtime_error with the reason):
// the data directory, the TLS context, the user directory, the dummy hash,
// the recovered queue, the client networks of the configuration. run()
// (server.cpp) calls them in order and hands each part to its users.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "config/settings.hpp"
#include "queue/envelope.hpp"
#include "queue/spool.hpp"
#include "server/networks.hpp"
#include "storage/sqlite/userdb.hpp"

namespace mailroom::server {

// DATA/mail exists and DATA is the owner's only (0700).
void prepare_data_dir(const config::settings& cfg);

// The server's TLS context from [tls], or from DATA/tls/{cert,key}.pem,
// made self-signed on first start (then cfg's paths name them).
std::shared_ptr<boost::asio::ssl::context> load_tls(config::settings& cfg);

// DATA/mailroom.db with the configured domains added.
std::unique_ptr<storage::userdb> open_directory(const config::settings& cfg);

// The hash an unknown user's password is checked against, so that a
// wrong user costs as much as a wrong password (random, per start).
std::string make_dummy_hash(random_source& rnd);

// DATA/queue locked and recovered: every message still owed delivery.
struct recovered_queue {
    std::unique_ptr<queue::spool> spool;
    std::vector<queue::envelope> messages;
};
recovered_queue recover_queue(const config::settings& cfg);

// The configuration's client networks: who may relay without AUTH, and
// who is free of the per-address connection limit (default: the trusted).
struct client_networks {
    network_list trusted;
    network_list limit_exempt;
};
client_networks client_networks_of(const config::settings& cfg);

}  // namespace mailroom::server
