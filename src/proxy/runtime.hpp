// proxy::runtime: what every connection of one proxy entry shares - its
// settings, the upstream TLS client context (trust anchors), the worker
// pool for blocking work (SASL checks, message pieces), the downstream
// login (SMTP), the trace switch. Built once per entry by proxy/listener.cpp;
// connections only read it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/sasl_server.hpp"
#include "config/proxy_settings.hpp"

namespace mailroom::proxy {

struct runtime {
    const config::proxy_entry& entry;
    boost::asio::ssl::context& upstream_tls;
    boost::asio::thread_pool& pool;
    // SMTP: the device's own login, when entry.local_user is set.
    auth::sasl_context* sasl = nullptr;
    std::optional<auth::credentials> local_credentials;
    std::vector<std::string> local_mechanisms;  // offered to the device
    std::filesystem::path temp_dir;             // large messages on their way (anonymous files)
    bool trace = false;                         // upstream dialogue on stderr, secrets masked
};

// A TLS 1.2+ client context: with entry.verify_certificate the upstream's
// chain must verify against entry.ca_file or the system's anchors (the
// host name check is byte_stream's). std::runtime_error when the CA file
// cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_upstream_tls(const config::proxy_entry& entry);

}  // namespace mailroom::proxy
