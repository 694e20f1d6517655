// server::mailbox_wake: how an IMAP connection hears of changes to its
// selected mailbox while it waits for its client. It follows the mailbox's
// change-bus key (delivery, other sessions, and store::inotify_watcher for
// other programs); a change sets a flag and, while the connection waits in
// wait(..., interruptible), ends that wait at once: an IDLE session sleeps
// until its client speaks or its mailbox changes. One per connection, made by
// imap_connection.cpp; used on the event loop, except the bus callback.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "net/byte_stream.hpp"
#include "store/change_bus.hpp"

namespace mailroom::server {

class mailbox_wake {
public:
    explicit mailbox_wake(boost::asio::any_io_executor exec);

    // Follows key on bus from now on (replacing what was followed); clears the flag.
    void follow(store::change_bus& bus, const std::string& key);
    void stop() { subscription_.reset(); }
    // Whether the followed mailbox changed since the last take().
    bool take();

    // The peer's wait_readable(limit); with interruptible, a change ends it
    // early with read_status::timeout (the caller then finds take() true).
    boost::asio::awaitable<net::read_status> wait(net::byte_stream& peer, std::chrono::milliseconds limit,
                                                  bool interruptible);

private:
    struct shared;
    std::shared_ptr<shared> s_;  // shared with the bus callback and what it posts
    store::change_bus::subscription subscription_;
};

}  // namespace mailroom::server
