#include "server/sasl_runner.hpp"

#include "net/offload.hpp"
#include "server/login_check.hpp"

namespace mailroom::server {

auth::sasl_step sasl_runner::ended(auth::sasl_step s) {
    if (s.what != auth::sasl_step::outcome::challenge) abort();
    return s;
}

boost::asio::awaitable<auth::sasl_step> sasl_runner::begin(const std::string& mechanism,
                                                           const std::optional<std::string>& initial_response_b64) {
    mechanism_ = mechanism;
    if (svc_.policy) {  // cheap, no directory: on the event loop
        policy_exchange_ = svc_.policy->begin(mechanism);
        if (!policy_exchange_) co_return auth::sasl_step{auth::sasl_step::outcome::temporary_failure, {}, {}};
        co_return ended(policy_exchange_->start(initial_response_b64));
    }
    auto ex = svc_.sasl.begin(mechanism, make_credential_lookup(svc_.users));
    if (!ex) co_return auth::sasl_step{auth::sasl_step::outcome::temporary_failure, {}, {}};
    exchange_ = std::move(*ex);
    auto s = co_await net::offload(svc_.pool, [&] { return exchange_->start(initial_response_b64); });
    co_return ended(std::move(s));
}

boost::asio::awaitable<auth::sasl_step> sasl_runner::step(const std::string& response_b64) {
    if (policy_exchange_) co_return ended(policy_exchange_->step(response_b64));
    if (!exchange_)  // engines never continue without a begin; be safe
        co_return auth::sasl_step{auth::sasl_step::outcome::failure, {}, {}};
    auto s = co_await net::offload(svc_.pool, [&] { return exchange_->step(response_b64); });
    co_return ended(std::move(s));
}

}  // namespace mailroom::server
