// net::offload: runs blocking work (yescrypt, SQLite, fsync) on the worker
// pool and resumes the calling coroutine on its own executor with the
// result, so the event loop never blocks and engines stay single-threaded.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace mailroom::net {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> offload(boost::asio::thread_pool& pool, F f) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
        co_await boost::asio::co_spawn(
            pool, [&]() -> boost::asio::awaitable<void> { f(); co_return; }, boost::asio::use_awaitable);
    } else {
        // The caller stays suspended until the work is done, so references
        // into its frame stay valid; completion is posted back to it.
        std::optional<R> out;
        co_await boost::asio::co_spawn(
            pool, [&]() -> boost::asio::awaitable<void> { out.emplace(f()); co_return; },
            boost::asio::use_awaitable);
        co_return std::move(*out);
    }
}

}  // namespace mailroom::net
