// server::mailbox_wake: a change on the bus ends an interruptible wait at
// once (and only that one), leaves a plain wait alone, and a readable peer
// still ends either.
#include "server/imap_idle_wait.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace mailroom::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct fixture {
    asio::io_context io;
    tcp::socket client{io};
    std::unique_ptr<net::byte_stream> stream;
    store::change_bus bus;
    mailbox_wake wake{io.get_executor()};
    fixture() {
        tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.connect(acc.local_endpoint());
        stream = std::make_unique<net::byte_stream>(acc.accept());
    }
    // Runs one wait (after read_now said would_block) and returns its status and duration.
    std::pair<net::read_status, clock_type::duration> wait(std::chrono::milliseconds limit, bool interruptible) {
        net::read_status got{};
        clock_type::duration took{};
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                std::array<char, 16> buf;
                EXPECT_EQ(stream->read_now(asio::buffer(buf)).first, net::read_status::would_block);
                const auto t0 = clock_type::now();
                got = co_await wake.wait(*stream, limit, interruptible);
                took = clock_type::now() - t0;
            },
            asio::detached);
        io.run();
        io.restart();
        return {got, took};
    }
};

TEST(mailbox_wake, change_on_the_bus_ends_an_interruptible_wait_at_once) {
    fixture f;
    f.wake.follow(f.bus, "box-a");
    std::thread publisher([&] {
        std::this_thread::sleep_for(50ms);
        f.bus.publish("box-b");  // another mailbox: no effect
        f.bus.publish("box-a");
    });
    const auto [status, took] = f.wait(2s, true);
    publisher.join();
    EXPECT_EQ(status, net::read_status::timeout);
    EXPECT_LT(took, 1s);
    EXPECT_TRUE(f.wake.take());
    EXPECT_FALSE(f.wake.take());  // taken once
}

TEST(mailbox_wake, other_mailboxes_do_not_wake) {
    fixture f;
    f.wake.follow(f.bus, "box-a");
    std::thread publisher([&] {
        std::this_thread::sleep_for(20ms);
        f.bus.publish("box-b");
    });
    const auto [status, took] = f.wait(300ms, true);
    publisher.join();
    EXPECT_EQ(status, net::read_status::timeout);
    EXPECT_GE(took, 250ms);  // slept to its limit
    EXPECT_FALSE(f.wake.take());
}

TEST(mailbox_wake, a_plain_wait_is_not_interrupted_but_the_change_is_kept) {
    fixture f;
    f.wake.follow(f.bus, "box-a");
    std::thread publisher([&] {
        std::this_thread::sleep_for(20ms);
        f.bus.publish("box-a");
    });
    const auto [status, took] = f.wait(300ms, false);
    publisher.join();
    EXPECT_EQ(status, net::read_status::timeout);
    EXPECT_GE(took, 250ms);
    EXPECT_TRUE(f.wake.take());
}

TEST(mailbox_wake, a_change_before_the_wait_returns_at_once) {
    fixture f;
    f.wake.follow(f.bus, "box-a");
    f.bus.publish("box-a");
    f.io.poll();  // the posted wake-up finds nobody waiting
    f.io.restart();
    const auto [status, took] = f.wait(2s, true);
    EXPECT_EQ(status, net::read_status::timeout);
    EXPECT_LT(took, 1s);
    EXPECT_TRUE(f.wake.take());
}

TEST(mailbox_wake, input_ends_the_wait_as_data_and_stop_unsubscribes) {
    fixture f;
    f.wake.follow(f.bus, "box-a");
    std::thread writer([&] {
        std::this_thread::sleep_for(20ms);
        asio::write(f.client, asio::buffer(std::string("a NOOP\r\n")));
    });
    EXPECT_EQ(f.wait(2s, true).first, net::read_status::data);
    writer.join();
    f.wake.stop();
    f.bus.publish("box-a");
    EXPECT_FALSE(f.wake.take());
}

}  // namespace
}  // namespace mailroom::server
