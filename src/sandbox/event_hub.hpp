// sandbox::event_hub<Event>: a thread-safe list of subscribers, for the live
// events of `mailroom dev` (sessions started/ended, messages captured) that
// the HTTP API pushes to browsers. Callbacks run on the publishing thread,
// outside the hub's lock: they must be quick and post their work elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace mailroom::sandbox {

template <class Event>
class event_hub {
public:
    using callback = std::function<void(const Event&)>;

    // Returns a token for unsubscribe().
    std::uint64_t subscribe(callback cb) {
        std::lock_guard lock(mu_);
        subs_.emplace_back(++last_token_, std::move(cb));
        return last_token_;
    }
    void unsubscribe(std::uint64_t token) {
        std::lock_guard lock(mu_);
        std::erase_if(subs_, [&](const auto& s) { return s.first == token; });
    }
    void publish(const Event& ev) const {
        std::vector<callback> copy;
        {
            std::lock_guard lock(mu_);
            copy.reserve(subs_.size());
            for (const auto& s : subs_) copy.push_back(s.second);
        }
        for (const auto& cb : copy) cb(ev);
    }

private:
    mutable std::mutex mu_;
    std::uint64_t last_token_ = 0;
    std::vector<std::pair<std::uint64_t, callback>> subs_;
};

}  // namespace mailroom::sandbox
