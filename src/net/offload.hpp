// net::offload: runs blocking work (yescrypt, SQLite, fsync) on the worker
// pool and resumes the calling coroutine on its own executor with the
// result, so the event loop never blocks and engines stay single-threaded.
//
// One post to the pool and one back, nothing else: no coroutine is spawned
// on the pool (co_spawn's extra handlers woke a second pool thread for
// nothing on every call, and each wakeup is a context switch).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace mailroom::net {

namespace detail {

// Posts `work` to the pool; when it has run, posts the completion (with any
// exception it threw) to the awaiting coroutine's executor, which is kept
// from running out of work meanwhile.
template <class Work>
boost::asio::awaitable<void> run_on(boost::asio::thread_pool& pool, Work& work) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        [&pool, &work](auto handler) {
            auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                            boost::asio::execution::outstanding_work.tracked);
            boost::asio::post(pool, [&work, handler = std::move(handler), home = std::move(home)]() mutable {
                std::exception_ptr error;
                try {
                    work();
                } catch (...) {
                    error = std::current_exception();
                }
                boost::asio::post(home, [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
            });
        },
        boost::asio::use_awaitable);
}

}  // namespace detail

// Calls f() on a thread of `pool` and returns what it returns (or rethrows
// what it throws) on the caller's executor. The caller stays suspended until
// f has run, so f may refer to the caller's locals.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> offload(boost::asio::thread_pool& pool, F f) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
        co_await detail::run_on(pool, f);
    } else {
        std::optional<R> out;
        auto work = [&] { out.emplace(f()); };
        co_await detail::run_on(pool, work);
        co_return std::move(*out);
    }
}

}  // namespace mailroom::net
