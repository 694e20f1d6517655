#include "delivery/transfer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

// transfer()'s message_done_handler: each message's outcome is handed over
// while the session goes on, and nothing more is sent to the server until
// the handler is done (the scheduler writes a 250 back to the queue there,
// so a crash repeats at most the message in flight).
namespace mailroom::delivery {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

asio::awaitable<std::string> read_line(tcp::socket& s, std::string& buf) {
    const auto n = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n", asio::use_awaitable);
    std::string line = buf.substr(0, n - 2);
    buf.erase(0, n);
    co_return line;
}

asio::awaitable<void> say(tcp::socket& s, std::string line) {
    line += "\r\n";
    co_await asio::async_write(s, asio::buffer(line), asio::use_awaitable);
}

// One connection of a minimal SMTP server that accepts everything; the
// command lines it got go to `commands` as they arrive.
asio::awaitable<void> serve_one(tcp::acceptor& acceptor, std::vector<std::string>& commands) {
    auto sock = co_await acceptor.async_accept(asio::use_awaitable);
    std::string buf;
    co_await say(sock, "220 fake.test ESMTP");
    bool in_data = false;
    for (int lines = 0; lines < 1000; ++lines) {
        const auto line = co_await read_line(sock, buf);
        if (in_data) {
            if (line == ".") {
                in_data = false;
                co_await say(sock, "250 2.0.0 ok");
            }
            continue;
        }
        commands.push_back(line);
        const auto verb = line.substr(0, 4);
        if (verb == "EHLO") {
            co_await say(sock, "250 fake.test");
        } else if (verb == "DATA") {
            in_data = true;
            co_await say(sock, "354 go");
        } else if (verb == "QUIT") {
            co_await say(sock, "221 2.0.0 bye");
            co_return;
        } else {
            co_await say(sock, "250 2.0.0 ok");
        }
    }
}

std::size_t mail_commands(const std::vector<std::string>& commands) {
    std::size_t n = 0;
    for (const auto& c : commands) n += c.rfind("MAIL FROM:", 0) == 0;
    return n;
}

struct seen_outcome {
    std::size_t index;
    std::size_t reported;     // so_far.messages.size()
    std::size_t mails;        // MAIL commands the server had received by then
    std::size_t mails_after;  // ... and after the handler had waited a little
    bool has_peer;
};

// The handler: notes what the server had seen, waits (as a queue write
// would), then notes it again.
asio::awaitable<void> note(std::size_t index, std::size_t reported, bool has_peer,
                           const std::vector<std::string>* commands, std::vector<seen_outcome>* seen) {
    const auto before = mail_commands(*commands);
    asio::steady_timer pause(co_await asio::this_coro::executor, 50ms);
    co_await pause.async_wait(asio::use_awaitable);
    seen->push_back({index, reported, before, mail_commands(*commands), has_peer});
}

asio::awaitable<void> run(transfer_options opt, smtp_destination dest,
                          std::vector<smtp::client::outgoing_message> messages,
                          const std::vector<std::string>* commands, std::vector<seen_outcome>* seen,
                          transfer_report* report) {
    *report = co_await transfer(opt, dest, std::move(messages),
                                [commands, seen](std::size_t index, const transfer_report& so_far) {
                                    return note(index, so_far.messages.size(), !so_far.peer.empty(), commands, seen);
                                });
}

smtp::client::outgoing_message message(std::string id, std::string rcpt) {
    smtp::client::outgoing_message m;
    m.id = std::move(id);
    m.sender = "a@client.test";
    m.recipients.push_back({std::move(rcpt), 0, ""});
    m.content = "Subject: t\r\n\r\nbody\r\n";
    return m;
}

TEST(delivery_transfer, EachOutcomeIsHandedOverBeforeTheNextMessageGoesOut) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<std::string> commands;
    asio::co_spawn(io, serve_one(acceptor, commands), asio::detached);

    transfer_options opt;
    opt.helo_name = "client.test";
    opt.connect_timeout = 5s;
    smtp_destination dest;
    dest.host = "fake.test";
    dest.endpoints = {acceptor.local_endpoint()};
    dest.tls = smtp::client::tls_policy::none;
    std::vector<seen_outcome> seen;
    transfer_report report;
    asio::co_spawn(io,
                   run(opt, dest,
                       {message("m0", "x@fake.test"), message("m1", "y@fake.test"), message("m2", "z@fake.test")},
                       &commands, &seen, &report),
                   asio::detached);
    io.run_for(20s);

    ASSERT_EQ(report.messages.size(), 3u);
    for (const auto& m : report.messages)
        EXPECT_EQ(m.recipients.at(0).status, smtp::client::delivery_status::delivered);
    ASSERT_EQ(seen.size(), 3u);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].index, i);
        EXPECT_EQ(seen[i].reported, i + 1);
        EXPECT_TRUE(seen[i].has_peer);
        // Message i's MAIL and none after it, even after the handler waited.
        EXPECT_EQ(seen[i].mails, i + 1);
        EXPECT_EQ(seen[i].mails_after, i + 1) << "message " << i + 1 << " went out before the handler finished";
    }
    EXPECT_EQ(mail_commands(commands), 3u);
}

}  // namespace
}  // namespace mailroom::delivery
