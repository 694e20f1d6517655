// net::run_engine: the only place a sans-I/O protocol engine meets a
// socket (STYLE.md §5). Pulls the engine's actions and hands each to
// `perform` (protocol-specific, in src/server/); reads more input only when
// the engine wants it. Every read is bounded in size (one buffer) and time.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "net/byte_stream.hpp"

namespace mailroom::net {

// perform(action) -> awaitable<bool>: false ends the connection.
template <class Engine, class Perform>
asio::awaitable<void> run_engine(byte_stream& peer, Engine& engine, Perform& perform,
                                 std::chrono::milliseconds idle_timeout) {
    using state = decltype(engine.current_state());
    std::array<char, 4096> buf;  // one read is never larger
    for (;;) {
        while (auto act = engine.next_action()) {
            const bool go_on = co_await perform(*act);  // not in an if condition: g++ 12
            if (!go_on) co_return;
        }
        if (engine.current_state() == state::closed) co_return;
        auto [status, n] = co_await peer.read_some(asio::buffer(buf), idle_timeout);
        switch (status) {
            case read_status::data: engine.feed({buf.data(), n}); break;
            case read_status::timeout: engine.timed_out(); break;
            case read_status::eof:
            case read_status::error: engine.feed_eof(); break;
        }
    }
}

}  // namespace mailroom::net
