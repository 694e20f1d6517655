// delivery::scheduler, administration: `mailroom queue flush|delete|bounce`
// as the control socket (src/server/control_socket.hpp) asks for them.
// Everything here runs on the scheduler's executor, like the rounds; while
// an operation waits on the storage pool its id sits in in_round_, so no
// round starts on that message meanwhile, and a request for a message in a
// round is remembered in admin_requests_ and carried out as the round ends
// (finish_round, then settle_admin_requests).
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "delivery/outcome_recording.hpp"
#include "delivery/scheduler.hpp"
#include "net/offload.hpp"

namespace mailroom::delivery {
namespace asio = boost::asio;
using sys_clock = std::chrono::system_clock;

asio::awaitable<std::size_t> scheduler::flush(std::optional<std::string> id) {
    // co_spawn onto io_ so the state is touched on the scheduler's thread
    // even when the caller runs elsewhere; the caller resumes on its own.
    co_return co_await asio::co_spawn(io_, do_flush(std::move(id)), asio::use_awaitable);
}

asio::awaitable<admin_outcome> scheduler::remove(std::string id) {
    co_return co_await asio::co_spawn(io_, do_admin(std::move(id), admin_request::remove), asio::use_awaitable);
}

asio::awaitable<admin_outcome> scheduler::bounce(std::string id) {
    co_return co_await asio::co_spawn(io_, do_admin(std::move(id), admin_request::bounce), asio::use_awaitable);
}

asio::awaitable<std::size_t> scheduler::do_flush(std::optional<std::string> id) {
    const auto now = sys_clock::now();
    std::size_t count = 0;
    const auto flush_one = [&](const std::string& key, queue::envelope& env) {
        // A message in a round is being tried now: it is due again once the
        // round has written back its outcome.
        if (in_round_.count(key)) flush_after_round_.insert(key);
        else env.next_attempt = now;
        reindex(key);
        ++count;
    };
    if (id) {
        if (auto it = envelopes_.find(*id); it != envelopes_.end()) flush_one(it->first, it->second);
    } else {
        for (auto& [key, env] : envelopes_) flush_one(key, env);
    }
    if (count > 0) {
        spdlog::info("{} flushed by the administrator messages={}", id ? *id : std::string("queue"), count);
        wake();
    }
    co_return count;
}

asio::awaitable<admin_outcome> scheduler::do_admin(std::string id, admin_request request) {
    if (!envelopes_.count(id)) co_return admin_outcome::not_queued;
    if (in_round_.count(id)) {
        // A delete is the stronger request: it overrides a bounce asked
        // before, and a bounce never overrides a delete.
        if (request == admin_request::remove) admin_requests_[id] = request;
        else admin_requests_.try_emplace(id, request);
        spdlog::info("{} {} requested during a delivery round: done when it ends", id,
                     request == admin_request::remove ? "delete" : "bounce");
        co_return admin_outcome::after_round;
    }
    in_round_.insert(id);
    reindex(id);
    const auto outcome = co_await carry_out(id, request);
    co_await settle_admin_requests(id);
    in_round_.erase(id);
    flush_after_round_.erase(id);  // removed or bounced: nothing left to flush
    reindex(id);
    wake();
    co_return outcome;
}

asio::awaitable<admin_outcome> scheduler::carry_out(std::string id, admin_request request) {
    if (request == admin_request::remove) co_return co_await remove_stored(std::move(id));
    co_return co_await bounce_stored(std::move(id));
}

asio::awaitable<admin_outcome> scheduler::remove_stored(std::string id) {
    auto ec = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.remove(id); });
    if (ec && ec != errc::not_found) {
        spdlog::error("{} cannot delete the message: {}", id, ec.message());
        co_return admin_outcome::failed;
    }
    envelopes_.erase(id);
    reindex(id);
    spdlog::info("{} deleted by the administrator", id);
    co_return admin_outcome::done;
}

asio::awaitable<admin_outcome> scheduler::bounce_stored(std::string id) {
    auto read = co_await net::offload(svc_.storage_pool, [&] { return svc_.spool.open_message(id); });
    if (!read) {
        spdlog::error("{} cannot read the queued message to bounce it: {}", id, read.error().message());
        if (read.error() != errc::not_found) co_return admin_outcome::failed;
        envelopes_.erase(id);
        reindex(id);
        co_return admin_outcome::not_queued;
    }
    auto it = envelopes_.find(id);
    if (it == envelopes_.end()) co_return admin_outcome::not_queued;
    queue::envelope env = it->second;
    const auto failed = record_administrative_bounce(env, sys_clock::now());
    spdlog::info("{} bounced by the administrator recipients={}", id, failed);
    co_await finish_round(std::move(env), *read);
    // Still queued: a DSN or the removal could not be written (logged by
    // finish_round); its failed recipients are finished on the next round.
    co_return envelopes_.count(id) ? admin_outcome::failed : admin_outcome::done;
}

std::optional<scheduler::admin_request> scheduler::take_admin_request(const std::string& id) {
    auto it = admin_requests_.find(id);
    if (it == admin_requests_.end()) return std::nullopt;
    const auto request = it->second;
    admin_requests_.erase(it);
    return request;
}

asio::awaitable<void> scheduler::settle_admin_requests(std::string id) {
    // Each pass consumes one request; once the message is gone the rest
    // are dropped, so this ends.
    while (const auto request = take_admin_request(id)) {
        if (!envelopes_.count(id)) continue;
        try {
            co_await carry_out(id, *request);
        } catch (const std::exception& e) {
            spdlog::error("{} administrator's request failed: {}", id, e.what());
        }
    }
}

}  // namespace mailroom::delivery
