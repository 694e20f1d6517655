// server::login_check: answers the engines' login requests from the user
// directory. Blocking (yescrypt, SQLite): call through net::offload. The
// verdict never tells an unknown user from a wrong password, and both cost
// the same time. login_guard: the per-address penalty across connections
// and the one failed-login log line (docs/fail2ban.md), for every protocol
// through connection_driver.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/sasl_server.hpp"
#include "proto/common/login_throttle.hpp"
#include "proto/pop3/server_session.hpp"
#include "server/networks.hpp"
#include "server/services.hpp"

namespace mailroom::server {

pop3::login_verdict check_pop3_login(const login_services& svc, const pop3::login_credentials& cred);

// For GNU SASL exchanges: the credentials of a user, not_found for unknown
// or malformed names.
auth::credential_lookup make_credential_lookup(storage::directory& users);

// Failed logins per client address, shared by every listener (one per
// server; event-loop thread only). An IPv6 client counts by its /64, the
// smallest block an end site gets: changing the address within it does
// not start a clean slate.
// Addresses in `exempt` (connection_limit_exceptions, by default
// trusted_networks: Postfix's smtpd_client_event_limit_exceptions covers
// its auth rate limit too) are never penalised; their failures are still
// logged.
class login_guard {
public:
    explicit login_guard(const proto::penalty_limits& lim, network_list exempt = {})
        : penalty_(lim), exempt_(std::move(exempt)) {}

    // How long a login attempt from `ip` waits before it is verified.
    std::chrono::milliseconds delay_for(const std::string& ip) const;
    // `count` more failed logins in session `id`: counted against `ip`,
    // and one line each in the stable format fail2ban matches:
    //   "<id> login failure penalty_ms=<next delay> ip=<ip>"
    void failed(const std::string& id, const std::string& ip, unsigned count = 1);
    // A successful login from `ip`: its penalty starts again from nothing.
    void succeeded(const std::string& ip);
    // A reload's login_penalty_* and exempt networks; addresses keep the
    // failures counted so far.
    void reconfigure(const proto::penalty_limits& lim, network_list exempt) {
        penalty_.set_limits(lim);
        exempt_ = std::move(exempt);
    }

private:
    proto::address_penalty penalty_;
    network_list exempt_;
};

// The key an address is counted under: itself (IPv4), its /64 (IPv6).
std::string penalty_key(const std::string& ip);

}  // namespace mailroom::server
