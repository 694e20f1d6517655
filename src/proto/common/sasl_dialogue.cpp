#include "proto/common/sasl_dialogue.hpp"

#include <utility>

namespace mailroom::proto {

void sasl_dialogue::final_data_sent(std::string user) {
    expecting_ = true;
    final_sent_ = true;
    user_ = std::move(user);
}

sasl_dialogue::step sasl_dialogue::on_line(std::string_view line) {
    expecting_ = false;
    const bool final_sent = std::exchange(final_sent_, false);
    auto user = std::exchange(user_, std::string());
    // RFC 5034 §4 / RFC 4954 §4: "*" cancels, even after final data.
    if (line == "*") return {outcome::aborted, {}, !final_sent};
    if (final_sent) {
        if (!line.empty()) return {outcome::failure, {}, false};
        return {outcome::success, std::move(user), false};
    }
    return {outcome::respond, std::string(line), false};
}

bool sasl_dialogue::on_too_long() noexcept {
    const bool open = expecting_ && !final_sent_;
    expecting_ = false;
    final_sent_ = false;
    user_.clear();
    return open;
}

}  // namespace mailroom::proto
