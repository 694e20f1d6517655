#include "server/connection_steps.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/offload.hpp"

namespace mailroom::server {

namespace asio = boost::asio;

asio::awaitable<auth_offer> auth_offer_for(const config::listener& lc, login_services svc) {
    // Remembered by userdb until the directory changes: usually answered
    // at once, without a round trip through the worker pool.
    result<bool> legacy = false;
    if (auto now = svc.users.has_legacy_users_now()) legacy = *now;
    else legacy = co_await net::offload(svc.pool, [&] { return svc.users.has_legacy_users(); });
    auth_offer offer;
    offer.legacy_possible = !legacy || *legacy;  // on a database error, offer rather than hide
    const auto supported = svc.sasl.supported();
    for (const auto& m : lc.mechanisms)
        if (std::find(supported.begin(), supported.end(), m) != supported.end() &&
            (m != "CRAM-MD5" || offer.legacy_possible))
            offer.mechanisms.push_back(m);
    co_return offer;
}

asio::awaitable<bool> upgrade_to_tls(net::byte_stream& peer, asio::ssl::context& tls, const std::string& id) {
    // (co_await kept out of the if condition: g++ 12 resumed a dead frame there)
    const bool upgraded = co_await peer.start_tls(tls, peer.handshake_limit());
    if (upgraded) spdlog::info("{} tls {}", id, peer.tls_description());
    else spdlog::info("{} tls failed ip={}{}", id, peer.peer_address(), peer.timed_out() ? " reason=timeout" : "");
    co_return upgraded;
}

asio::awaitable<void> wait_for(std::chrono::milliseconds delay) {
    asio::steady_timer t(co_await asio::this_coro::executor, delay);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace mailroom::server
