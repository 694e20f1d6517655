// delivery::scheduler's administration (flush, remove, bounce) on a real
// spool, with remote mail routed to a peer on loopback that accepts and
// stays silent: a round in progress lasts until the test closes that
// connection, so "in a round right now" is a state the test controls.
#include "delivery/scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <mutex>

#include "common/errors.hpp"
#include "delivery/outcome_recording.hpp"
#include "queue/inspect.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::delivery {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct local_mail {
    std::string sender;
    std::vector<std::string> recipients;
    std::string content;
};

// Test bodies are named coroutines taking the fixture (g++ 12 and coroutine
// lambdas do not mix well); co_await results go to variables before any
// EXPECT (no co_await inside a condition).
struct SchedulerAdmin : public ::testing::Test {
    SchedulerAdmin() : peer(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        auto sp = queue::spool::open(dir.path() / "queue");
        if (!sp) throw std::runtime_error("spool: " + sp.error().message());
        spool = std::move(*sp);
        dns::resolver_options ro;
        ro.forwarder_address = "127.0.0.1";  // never asked: the only route is a literal address
        ro.forwarder_port = 9;
        resolver = std::make_unique<dns::resolver>(io.get_executor(), ro);

        scheduler_config cfg;
        cfg.hostname = "mail.here.test";
        cfg.routing.routes["remote.test"] = static_route{"127.0.0.1", peer.local_endpoint().port(), true};
        transfer_options to;
        to.helo_name = cfg.hostname;
        to.connect_timeout = 5s;
        scheduler_services
            svc{*spool,
                storage,
                *resolver,
                random,
                to,
                [](const std::string& d) { return d == "here.test"; },
                [this](const queue::envelope& env, std::size_t rcpt, const queue::message_source& source) {
                    auto content = queue::read_head(source, std::size_t(1) << 30);
                    std::lock_guard lock(mu);
                    delivered.push_back({env.sender, {env.recipients.at(rcpt).address}, content.value()});
                    return std::error_code();
                }};
        sched = std::make_unique<scheduler>(io.get_executor(), cfg, std::move(svc));
    }

    ~SchedulerAdmin() override {
        io.stop();
        storage.join();
    }

    // Queues a message from `sender` to `rcpts`, first due at now + due_in.
    queue::envelope enqueue(std::string sender, std::vector<std::string> rcpts, std::chrono::seconds due_in) {
        queue::envelope env;
        env.sender = std::move(sender);
        for (auto& a : rcpts) {
            queue::recipient r;
            r.address = std::move(a);
            env.recipients.push_back(std::move(r));
        }
        env.arrived = std::chrono::system_clock::now();
        env.next_attempt = env.arrived + due_in;
        auto id = spool->enqueue(env, "From: <x@here.test>\r\nSubject: admin test\r\n\r\nbody\r\n");
        if (!id) throw std::runtime_error("enqueue: " + id.error().message());
        env.id = *id;
        return env;
    }

    std::size_t on_disk() {
        auto all = queue::list_queued(dir.path() / "queue");
        return all ? all->size() : 0;
    }
    std::vector<local_mail> local() {
        std::lock_guard lock(mu);
        return delivered;
    }
    void release_held() {
        for (auto& s : held) {
            boost::system::error_code ignored;
            s.close(ignored);
        }
        held.clear();
    }

    // Starts the scheduler with `queued` and runs body on the io_context.
    void run(std::vector<queue::envelope> queued, asio::awaitable<void> body);

    mailroom::test::temp_dir dir;
    asio::io_context io;
    asio::thread_pool storage{2};
    std::unique_ptr<queue::spool> spool;
    std::unique_ptr<dns::resolver> resolver;
    system_random random;
    tcp::acceptor peer;
    std::vector<tcp::socket> held;  // connections of rounds in progress
    std::mutex mu;
    std::vector<local_mail> delivered;
    std::unique_ptr<scheduler> sched;
};

// Accepts connections for the remote route and holds them, silent.
asio::awaitable<void> hold_peer(SchedulerAdmin& t) {
    for (;;) {
        auto [ec, sock] = co_await t.peer.async_accept(use_tuple);
        if (ec) co_return;
        t.held.push_back(std::move(sock));
    }
}

asio::awaitable<void> pause(SchedulerAdmin& t, std::chrono::milliseconds d) {
    asio::steady_timer timer(t.io, d);
    co_await timer.async_wait(use_tuple);
}

// Waits until cond() or 15 s; returns cond().
asio::awaitable<bool> until(SchedulerAdmin& t, std::function<bool()> cond) {
    const auto end = std::chrono::steady_clock::now() + 15s;
    while (!cond() && std::chrono::steady_clock::now() < end) co_await pause(t, 10ms);
    co_return cond();
}

void SchedulerAdmin::run(std::vector<queue::envelope> queued, asio::awaitable<void> body) {
    sched->start(std::move(queued));
    asio::co_spawn(io, hold_peer(*this), [](std::exception_ptr) {});
    std::exception_ptr failure;
    bool finished = false;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
        failure = e;
        finished = true;
        sched->stop();
        io.stop();
    });
    io.run_for(60s);
    ASSERT_TRUE(finished) << "test body did not finish within 60 s";
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> remove_body(SchedulerAdmin& t, std::string id) {
    const auto unknown = co_await t.sched->remove("0000000000000000");
    EXPECT_EQ(unknown, admin_outcome::not_queued);
    const auto first = co_await t.sched->remove(id);
    EXPECT_EQ(first, admin_outcome::done);
    EXPECT_EQ(t.sched->queued(), 0u);
    EXPECT_EQ(t.on_disk(), 0u);
    const auto again = co_await t.sched->remove(id);
    EXPECT_EQ(again, admin_outcome::not_queued);
    const auto flushed = co_await t.sched->flush(id);
    EXPECT_EQ(flushed, 0u);
    co_await pause(t, 200ms);  // nothing else may happen
    EXPECT_TRUE(t.local().empty());
    EXPECT_TRUE(t.held.empty()) << "no delivery attempt";
}

TEST_F(SchedulerAdmin, RemoveDeletesWithoutNotice) {
    auto env = enqueue("alice@here.test", {"bob@remote.test"}, 3600s);
    run({env}, remove_body(*this, env.id));
}

asio::awaitable<void> bounce_body(SchedulerAdmin& t, std::string id) {
    const auto first = co_await t.sched->bounce(id);
    EXPECT_EQ(first, admin_outcome::done);
    const auto again = co_await t.sched->bounce(id);
    EXPECT_EQ(again, admin_outcome::not_queued);
    const bool dsn = co_await until(t, [&] { return !t.local().empty() && t.sched->queued() == 0; });
    EXPECT_TRUE(dsn);
    const auto got = t.local();
    EXPECT_EQ(got.size(), 1u);
    if (got.size() != 1) co_return;
    EXPECT_EQ(got[0].sender, "");  // a DSN's null reverse-path
    EXPECT_EQ(got[0].recipients, std::vector<std::string>{"alice@here.test"});
    EXPECT_NE(got[0].content.find("message is administratively expired"), std::string::npos) << got[0].content;
    EXPECT_NE(got[0].content.find("Status: 5.0.0"), std::string::npos) << got[0].content;
    EXPECT_NE(got[0].content.find("bob@remote.test"), std::string::npos);
    EXPECT_NE(got[0].content.find("carol@remote.test"), std::string::npos);
    EXPECT_EQ(t.on_disk(), 0u);
    EXPECT_TRUE(t.held.empty()) << "no delivery attempt";
}

TEST_F(SchedulerAdmin, BounceSendsOneFailureDsnAndRemoves) {
    auto env = enqueue("alice@here.test", {"bob@remote.test", "carol@remote.test"}, 3600s);
    run({env}, bounce_body(*this, env.id));
}

asio::awaitable<void> null_sender_body(SchedulerAdmin& t, std::string id) {
    const auto outcome = co_await t.sched->bounce(id);
    EXPECT_EQ(outcome, admin_outcome::done);
    EXPECT_EQ(t.on_disk(), 0u);
    co_await pause(t, 200ms);
    EXPECT_TRUE(t.local().empty()) << "never a bounce of a bounce";
}

TEST_F(SchedulerAdmin, BounceOfANullSenderMessageSendsNothing) {
    auto env = enqueue("", {"bob@remote.test"}, 3600s);
    run({env}, null_sender_body(*this, env.id));
}

asio::awaitable<void> flush_body(SchedulerAdmin& t, std::string id) {
    co_await pause(t, 200ms);
    EXPECT_TRUE(t.held.empty()) << "not due yet";
    const auto unknown = co_await t.sched->flush(std::string("0000000000000000"));
    EXPECT_EQ(unknown, 0u);
    const auto one = co_await t.sched->flush(id);
    EXPECT_EQ(one, 1u);
    const bool started = co_await until(t, [&] { return t.held.size() == 1; });
    EXPECT_TRUE(started) << "a round for the flushed message";
    const auto all = co_await t.sched->flush(std::nullopt);
    EXPECT_EQ(all, 2u);  // one in its round, one made due
    const bool both = co_await until(t, [&] { return t.held.size() == 2; });
    EXPECT_TRUE(both);
    t.release_held();
}

TEST_F(SchedulerAdmin, FlushMakesMessagesDueNow) {
    auto later = enqueue("alice@here.test", {"bob@remote.test"}, 3600s);
    auto other = enqueue("alice@here.test", {"dan@remote.test"}, 3600s);
    run({later, other}, flush_body(*this, later.id));
}

asio::awaitable<void> remove_in_round_body(SchedulerAdmin& t, std::string id) {
    const bool started = co_await until(t, [&] { return t.held.size() == 1; });
    EXPECT_TRUE(started) << "the round started";
    const auto bounce = co_await t.sched->bounce(id);
    EXPECT_EQ(bounce, admin_outcome::after_round);
    const auto remove = co_await t.sched->remove(id);
    EXPECT_EQ(remove, admin_outcome::after_round);  // a delete wins over a bounce
    EXPECT_EQ(t.on_disk(), 1u);
    t.release_held();  // the round ends: connection lost, a temporary failure
    const bool gone = co_await until(t, [&] { return t.sched->queued() == 0; });
    EXPECT_TRUE(gone);
    EXPECT_EQ(t.on_disk(), 0u);
    co_await pause(t, 200ms);
    EXPECT_TRUE(t.local().empty()) << "a delete sends no DSN";
}

TEST_F(SchedulerAdmin, RemoveDuringARoundWaitsForItsEndAndWritesNothingBack) {
    auto env = enqueue("alice@here.test", {"bob@remote.test"}, 0s);
    run({env}, remove_in_round_body(*this, env.id));
}

asio::awaitable<void> bounce_in_round_body(SchedulerAdmin& t, std::string id) {
    const bool started = co_await until(t, [&] { return t.held.size() == 1; });
    EXPECT_TRUE(started) << "the round started";
    const auto bounce = co_await t.sched->bounce(id);
    EXPECT_EQ(bounce, admin_outcome::after_round);
    EXPECT_EQ(t.sched->queued(), 1u);
    t.release_held();
    const bool done = co_await until(t, [&] { return !t.local().empty() && t.sched->queued() == 0; });
    EXPECT_TRUE(done);
    const auto got = t.local();
    EXPECT_EQ(got.size(), 1u);
    if (got.size() != 1) co_return;
    EXPECT_EQ(got[0].recipients, std::vector<std::string>{"alice@here.test"});
    EXPECT_NE(got[0].content.find("message is administratively expired"), std::string::npos) << got[0].content;
    EXPECT_EQ(t.on_disk(), 0u);
}

TEST_F(SchedulerAdmin, BounceDuringARoundAppliesWhenItEnds) {
    auto env = enqueue("alice@here.test", {"bob@remote.test"}, 0s);
    run({env}, bounce_in_round_body(*this, env.id));
}

}  // namespace
}  // namespace mailroom::delivery
