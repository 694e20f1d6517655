// delivery::due_index: the scheduler's queued envelopes keyed by when they
// are next due, so a wake looks only at what is due (not the whole queue),
// and the order in which due lanes get a round: round robin, the lane served
// least recently first (as Postfix's qmgr rotates its destination list).
// Pure bookkeeping, no I/O; scheduler.cpp keeps it in step with its envelopes.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mailroom::delivery {

// Where a message waits for a round: its one pending recipient domain
// (messages of one lane share a round and its connection), or a lane of
// its own (`own`, named by the message id) when it has several domains.
struct lane_key {
    std::string name;
    bool own = false;
    auto operator<=>(const lane_key&) const = default;
};

class due_index {
public:
    using time_point = std::chrono::system_clock::time_point;

    // Inserts the message or moves it to its new time and lane.
    void put(const std::string& id, time_point due, lane_key lane);
    void erase(const std::string& id);
    bool contains(const std::string& id) const { return entries_.count(id) != 0; }
    std::size_t size() const noexcept { return entries_.size(); }

    // The lanes with a message due at `now`, the fairest first: lanes never
    // served (or not since they last emptied) before those served longer
    // ago, and among equals the one due earliest. Costs O(due lanes).
    std::vector<lane_key> due_lanes(time_point now) const;
    // The messages of `lane` for one round: in due order, those due by
    // now + window, at most `max` (at least the first one).
    std::vector<std::string> batch(const lane_key& lane, time_point now, std::chrono::seconds window,
                                   std::size_t max) const;
    // A round for `lane` started: it goes to the back of the rotation.
    void served(const lane_key& lane);
    // The earliest lane head due after `now`: when the next wake is needed
    // (a lane already due waits for a round to end, not for a time).
    std::optional<time_point> next_after(time_point now) const;

    // Every structure agrees with every other (for tests).
    bool consistent() const;

private:
    struct entry {
        time_point due;
        lane_key lane;
    };
    using slot = std::pair<time_point, std::string>;  // due time, id

    void drop(std::map<std::string, entry>::iterator it);

    std::map<std::string, entry> entries_;             // id -> where it is indexed
    std::map<lane_key, std::set<slot>> lanes_;         // lane -> its messages by due time
    std::set<std::pair<time_point, lane_key>> heads_;  // each lane's earliest due time
    std::map<lane_key, std::uint64_t> last_served_;    // lane -> turn of its last round
    std::uint64_t turn_ = 0;
};

}  // namespace mailroom::delivery
