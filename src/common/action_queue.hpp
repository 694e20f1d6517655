// action_queue: the requests a sans-I/O protocol engine hands to its driver,
// in order. Consecutive replies merge into one write (pipelined commands
// get one send), and the bytes of queued replies are counted so an engine
// can stop reading input at a backlog (a client that pipelines without
// reading must not grow our memory). Used by every server session.
// A vector consumed from the front and freed once drained: an idle session
// holds no node (a std::deque kept a 480-byte block and its map even empty).
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

namespace mailroom {

// Action: a std::variant of request types; Reply: the one with `bytes`.
template <class Action, class Reply>
class action_queue {
public:
    void push(Action a) {
        if (auto* r = std::get_if<Reply>(&a)) {
            reply_bytes_ += r->bytes.size();
            if (!empty())
                if (auto* last = std::get_if<Reply>(&q_.back())) {
                    last->bytes += r->bytes;
                    return;
                }
        }
        q_.emplace_back(std::move(a));
    }

    std::optional<Action> pop() {
        if (empty()) return std::nullopt;
        Action a = std::move(q_[head_]);
        if (++head_ == q_.size()) {  // drained: give the block back
            std::vector<Action>().swap(q_);
            head_ = 0;
        } else if (head_ >= 16 && 2 * head_ >= q_.size()) {  // never drained: drop the popped half
            q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
        if (auto* r = std::get_if<Reply>(&a)) reply_bytes_ -= r->bytes.size();
        return a;
    }

    bool empty() const noexcept { return head_ == q_.size(); }
    std::size_t reply_bytes() const noexcept { return reply_bytes_; }
    // Actions the queue has room for without allocating (0 when drained).
    std::size_t capacity() const noexcept { return q_.capacity(); }

private:
    std::vector<Action> q_;
    std::size_t head_ = 0;  // q_[head_..] are still to pop
    std::size_t reply_bytes_ = 0;
};

}  // namespace mailroom
