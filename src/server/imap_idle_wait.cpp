#include "server/imap_idle_wait.hpp"

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mailroom::server {

namespace asio = boost::asio;

struct mailbox_wake::shared {
    explicit shared(asio::any_io_executor e) : exec(std::move(e)) {}
    asio::any_io_executor exec;
    std::atomic<bool> changed{false};  // set from the publisher's thread
    // The rest on exec only.
    asio::cancellation_signal signal;  // ends the interruptible wait under way
    bool waiting = false;
    bool interrupted = false;
};

mailbox_wake::mailbox_wake(asio::any_io_executor exec) : s_(std::make_shared<shared>(std::move(exec))) {}

void mailbox_wake::follow(store::change_bus& bus, const std::string& key) {
    subscription_.reset();
    s_->changed.store(false);
    // On the publisher's thread with the bus locked: a flag, and at most one
    // post per change taken (a burst of publishes costs one wake-up).
    subscription_ = bus.subscribe(key, [s = s_] {
        if (s->changed.exchange(true)) return;
        asio::post(s->exec, [s] {
            if (!s->waiting) return;  // the read loop looks at the flag before it waits
            s->interrupted = true;
            s->signal.emit(asio::cancellation_type::terminal);
        });
    });
}

bool mailbox_wake::take() { return s_->changed.exchange(false); }

asio::awaitable<net::read_status> mailbox_wake::wait(net::byte_stream& peer, std::chrono::milliseconds limit,
                                                     bool interruptible) {
    if (!interruptible) co_return co_await peer.wait_readable(limit);
    if (s_->changed.load()) co_return net::read_status::timeout;  // already there: no need to sleep
    s_->waiting = true;
    s_->interrupted = false;
    // The wait runs as its own coroutine so that the signal can cancel its
    // socket wait; cancelled, it reports read_status::error.
    const auto status = co_await asio::co_spawn(s_->exec, peer.wait_readable(limit),
                                                asio::bind_cancellation_slot(s_->signal.slot(), asio::use_awaitable));
    s_->waiting = false;
    if (s_->interrupted && status == net::read_status::error) co_return net::read_status::timeout;
    co_return status;
}

}  // namespace mailroom::server
