// action_queue: the requests a sans-I/O protocol engine hands to its driver,
// in order. Consecutive replies merge into one write (pipelined commands
// get one send), and the bytes of queued replies are counted so an engine
// can stop reading input at a backlog (a client that pipelines without
// reading must not grow our memory). Used by every server session.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <variant>

namespace mailroom {

// Action: a std::variant of request types; Reply: the one with `bytes`.
template <class Action, class Reply>
class action_queue {
public:
    void push(Action a) {
        if (auto* r = std::get_if<Reply>(&a)) {
            reply_bytes_ += r->bytes.size();
            if (!q_.empty())
                if (auto* last = std::get_if<Reply>(&q_.back())) {
                    last->bytes += r->bytes;
                    return;
                }
        }
        q_.push_back(std::move(a));
    }

    std::optional<Action> pop() {
        if (q_.empty()) return std::nullopt;
        Action a = std::move(q_.front());
        q_.pop_front();
        if (auto* r = std::get_if<Reply>(&a)) reply_bytes_ -= r->bytes.size();
        return a;
    }

    bool empty() const noexcept { return q_.empty(); }
    std::size_t reply_bytes() const noexcept { return reply_bytes_; }

private:
    std::deque<Action> q_;
    std::size_t reply_bytes_ = 0;
};

}  // namespace mailroom
