#include "delivery/round_counts.hpp"

namespace mailroom::delivery {

round_counts count_round(const queue::envelope* before, const queue::envelope& after) {
    using status = queue::recipient::status;
    round_counts c;
    for (std::size_t i = 0; i < after.recipients.size(); ++i) {
        const bool was_pending = !before || i >= before->recipients.size() ||
                                 before->recipients[i].address != after.recipients[i].address ||
                                 before->recipients[i].state == status::pending;
        if (!was_pending) continue;
        const auto& r = after.recipients[i];
        if (r.state == status::pending) ++c.deferred;
        else if (r.state == status::failed) ++c.bounced;
        else if (r.success_notice == queue::recipient::success_kind::delivered) ++c.delivered_local;
        else ++c.delivered_remote;
    }
    return c;
}

}  // namespace mailroom::delivery
