#include "delivery/scheduler_index.hpp"

#include <algorithm>
#include <tuple>

namespace mailroom::delivery {

void due_index::put(const std::string& id, time_point due, lane_key lane) {
    if (auto it = entries_.find(id); it != entries_.end()) {
        if (it->second.due == due && it->second.lane == lane) return;
        drop(it);
    }
    auto& slots = lanes_[lane];
    if (!slots.empty()) heads_.erase({slots.begin()->first, lane});
    slots.insert({due, id});
    heads_.insert({slots.begin()->first, lane});
    entries_.emplace(id, entry{due, std::move(lane)});
}

void due_index::erase(const std::string& id) {
    if (auto it = entries_.find(id); it != entries_.end()) drop(it);
}

void due_index::drop(std::map<std::string, entry>::iterator it) {
    const auto& lane = it->second.lane;
    auto lit = lanes_.find(lane);
    auto& slots = lit->second;
    heads_.erase({slots.begin()->first, lane});
    slots.erase({it->second.due, it->first});
    if (slots.empty()) {
        // The rotation forgets an empty lane; it comes back as a new one.
        last_served_.erase(lane);
        lanes_.erase(lit);
    } else {
        heads_.insert({slots.begin()->first, lane});
    }
    entries_.erase(it);
}

std::vector<lane_key> due_index::due_lanes(time_point now) const {
    std::vector<std::tuple<std::uint64_t, time_point, const lane_key*>> due;
    for (const auto& [head, lane] : heads_) {
        if (head > now) break;
        const auto served = last_served_.find(lane);
        due.emplace_back(served == last_served_.end() ? 0 : served->second, head, &lane);
    }
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a), *std::get<2>(a)) <
               std::tie(std::get<0>(b), std::get<1>(b), *std::get<2>(b));
    });
    std::vector<lane_key> out;
    out.reserve(due.size());
    for (const auto& d : due) out.push_back(*std::get<2>(d));
    return out;
}

std::vector<std::string> due_index::batch(const lane_key& lane, time_point now, std::chrono::seconds window,
                                          std::size_t max) const {
    std::vector<std::string> out;
    auto it = lanes_.find(lane);
    if (it == lanes_.end()) return out;
    for (const auto& [due, id] : it->second) {
        if (!out.empty() && (out.size() >= max || due > now + window)) break;
        out.push_back(id);
    }
    return out;
}

void due_index::served(const lane_key& lane) {
    if (lanes_.count(lane)) last_served_[lane] = ++turn_;
}

std::optional<due_index::time_point> due_index::next_after(time_point now) const {
    auto it = heads_.lower_bound({now + time_point::duration(1), lane_key{}});
    if (it == heads_.end()) return std::nullopt;
    return it->first;
}

bool due_index::consistent() const {
    std::size_t indexed = 0;
    for (const auto& [lane, slots] : lanes_) {
        if (slots.empty() || !heads_.count({slots.begin()->first, lane})) return false;
        for (const auto& [due, id] : slots) {
            auto it = entries_.find(id);
            if (it == entries_.end() || it->second.due != due || it->second.lane != lane) return false;
        }
        indexed += slots.size();
    }
    if (indexed != entries_.size() || heads_.size() != lanes_.size()) return false;
    return std::all_of(last_served_.begin(), last_served_.end(),
                       [this](const auto& s) { return lanes_.count(s.first) != 0; });
}

}  // namespace mailroom::delivery
