// net::run_engine: the only place a sans-I/O protocol engine meets a
// socket (STYLE.md §5). Pulls the engine's actions and hands each to
// `perform` (protocol-specific, in src/server/); reads more input only when
// the engine wants it. Every read is bounded in size (one buffer) and time;
// while it waits for input a connection holds no buffer.
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "net/byte_stream.hpp"

namespace mailroom::net {

namespace detail {

// One read of what has arrived, fed to the engine at once: the buffer is
// on this thread's stack for this call only, never in a coroutine frame,
// so an idle connection holds no input buffer (issue #10 §3). False: nothing
// has arrived yet.
template <class Engine>
bool read_and_feed(byte_stream& peer, Engine& engine) {
    std::array<char, 4096> buf;  // one read is never larger
    const auto [status, n] = peer.read_now(asio::buffer(buf));
    switch (status) {
        case read_status::would_block: return false;
        case read_status::data: engine.feed({buf.data(), n}); return true;
        case read_status::timeout:  // not from read_now
        case read_status::eof:
        case read_status::error: engine.feed_eof(); return true;
    }
    return true;
}

}  // namespace detail

// perform(action) -> awaitable<bool>: false ends the connection.
template <class Engine, class Perform>
asio::awaitable<void> run_engine(byte_stream& peer, Engine& engine, Perform& perform,
                                 std::chrono::milliseconds idle_timeout) {
    using state = decltype(engine.current_state());
    using clock = std::chrono::steady_clock;
    bool told_to_stop = false;  // engine.shutting_down() is called once
    for (;;) {
        while (auto act = engine.next_action()) {
            const bool go_on = co_await perform(*act);  // not in an if condition: g++ 12
            if (!go_on) co_return;
        }
        if (engine.current_state() == state::closed) co_return;
        // The server is stopping: the command under way has finished (its
        // actions are done); the engine closes now or after its DATA.
        if (peer.stop_requested() && !told_to_stop) {
            told_to_stop = true;
            engine.shutting_down();
            continue;
        }
        // The idle limit covers the whole wait for input, however many
        // wake-ups it takes (a TLS record that arrives a byte at a time).
        const auto until = clock::now() + idle_timeout;
        while (!detail::read_and_feed(peer, engine)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
            const auto status = co_await peer.wait_readable(std::max(left, std::chrono::milliseconds(0)));
            if (status == read_status::timeout) {
                if (peer.stop_requested() && !told_to_stop) {
                    told_to_stop = true;
                    engine.shutting_down();
                } else {
                    engine.timed_out();
                }
                break;
            }
            if (status == read_status::error) {
                engine.feed_eof();
                break;
            }
        }
    }
}

}  // namespace mailroom::net
