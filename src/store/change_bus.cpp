#include "store/change_bus.hpp"

namespace mailroom::store {

change_bus::subscription& change_bus::subscription::operator=(subscription&& o) noexcept {
    if (this != &o) {
        reset();
        bus_ = o.bus_;
        id_ = o.id_;
        o.bus_ = nullptr;
    }
    return *this;
}

void change_bus::subscription::reset() {
    if (bus_) bus_->unsubscribe(id_);
    bus_ = nullptr;
}

change_bus::subscription change_bus::subscribe(const std::string& key, callback cb) {
    std::lock_guard l(mutex_);
    const auto id = next_id_++;
    entries_.emplace(id, entry{key, std::move(cb)});
    by_key_.emplace(key, id);
    return {this, id};
}

std::size_t change_bus::publish(const std::string& key) {
    std::lock_guard l(mutex_);
    std::size_t n = 0;
    auto [first, last] = by_key_.equal_range(key);
    for (auto it = first; it != last; ++it, ++n) entries_.at(it->second).cb();
    return n;
}

void change_bus::unsubscribe(std::uint64_t id) {
    std::lock_guard l(mutex_);
    auto e = entries_.find(id);
    if (e == entries_.end()) return;
    auto [first, last] = by_key_.equal_range(e->second.key);
    for (auto it = first; it != last; ++it)
        if (it->second == id) {
            by_key_.erase(it);
            break;
        }
    entries_.erase(e);
}

}  // namespace mailroom::store
