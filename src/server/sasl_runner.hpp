// server::sasl_runner: one connection's SASL exchange, as every protocol
// driver needs it - begin and continue on the worker pool (yescrypt and
// SQLite are slow), abort, and the exchange dropped once it has ended.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "auth/sasl_server.hpp"
#include "server/login_policy.hpp"
#include "server/services.hpp"

namespace mailroom::server {

class sasl_runner {
public:
    explicit sasl_runner(login_services svc) : svc_(svc) {}
    explicit sasl_runner(services& svc) : sasl_runner(login_services_of(svc)) {}

    // A challenge, or the end (success, failure, temporary failure). An
    // unavailable mechanism is a temporary failure.
    boost::asio::awaitable<auth::sasl_step> begin(const std::string& mechanism,
                                                  const std::optional<std::string>& initial_response_b64);
    boost::asio::awaitable<auth::sasl_step> step(const std::string& response_b64);
    void abort() {
        exchange_.reset();
        policy_exchange_.reset();
    }
    const std::string& mechanism() const noexcept { return mechanism_; }

private:
    auth::sasl_step ended(auth::sasl_step s);

    login_services svc_;
    std::unique_ptr<auth::sasl_exchange> exchange_;
    std::unique_ptr<policy_exchange> policy_exchange_;  // svc_.policy's instead
    std::string mechanism_;
};

}  // namespace mailroom::server
