#include "net/offload.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace mailroom::net {
namespace {

namespace asio = boost::asio;

struct where {
    std::thread::id work, resumed;
};

// Named coroutines taking their arguments by value (g++ 12, see the brief).
asio::awaitable<std::pair<std::string, where>> returns_value(asio::thread_pool& pool) {
    where w;
    std::string local = "from the caller";
    auto v = co_await offload(pool, [&] {
        w.work = std::this_thread::get_id();
        return local + " and the pool";
    });
    w.resumed = std::this_thread::get_id();
    co_return std::pair{std::move(v), w};
}

asio::awaitable<int> void_then_value(asio::thread_pool& pool) {
    int counter = 0;
    co_await offload(pool, [&] { ++counter; });
    auto moved = co_await offload(pool, [&] { return std::make_unique<int>(counter + 41); });  // move-only
    co_return *moved;
}

asio::awaitable<std::string> throws(asio::thread_pool& pool) {
    try {
        co_await offload(pool, []() -> int { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return "nothing thrown";
}

TEST(net_offload, RunsOnThePoolAndResumesOnTheCallersThread) {
    asio::io_context io;
    asio::thread_pool pool(2);
    auto f = asio::co_spawn(io, returns_value(pool), asio::use_future);
    io.run();
    auto [value, w] = f.get();
    EXPECT_EQ(value, "from the caller and the pool");
    EXPECT_NE(w.work, std::this_thread::get_id());
    EXPECT_NE(w.work, std::thread::id());
    EXPECT_EQ(w.resumed, std::this_thread::get_id());  // io.run() ran here
    pool.join();
}

TEST(net_offload, VoidAndMoveOnlyResults) {
    asio::io_context io;
    asio::thread_pool pool(1);
    auto f = asio::co_spawn(io, void_then_value(pool), asio::use_future);
    io.run();
    EXPECT_EQ(f.get(), 42);
    pool.join();
}

TEST(net_offload, ExceptionsReachTheCaller) {
    asio::io_context io;
    asio::thread_pool pool(1);
    auto f = asio::co_spawn(io, throws(pool), asio::use_future);
    io.run();
    EXPECT_EQ(f.get(), "boom");
    pool.join();
}

}  // namespace
}  // namespace mailroom::net
