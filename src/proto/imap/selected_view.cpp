// imap::selected_view: sequence numbers, set resolution and the sync merge
// (selected_view.hpp).
#include "proto/imap/selected_view.hpp"

#include <algorithm>
#include <optional>

#include "proto/common/keyword.hpp"

namespace mailroom::imap {

std::optional<std::uint8_t> system_flag(std::string_view name) {
    if (proto::keyword_equals(name, "\\Seen")) return flag_seen;
    if (proto::keyword_equals(name, "\\Answered")) return flag_answered;
    if (proto::keyword_equals(name, "\\Flagged")) return flag_flagged;
    if (proto::keyword_equals(name, "\\Deleted")) return flag_deleted;
    if (proto::keyword_equals(name, "\\Draft")) return flag_draft;
    return std::nullopt;
}

std::string flag_list(const message_state& m, bool with_recent) {
    std::string s = "(";
    auto add = [&](std::string_view f) {
        if (s.size() > 1) s += ' ';
        s += f;
    };
    if (m.flags & flag_seen) add("\\Seen");
    if (m.flags & flag_answered) add("\\Answered");
    if (m.flags & flag_flagged) add("\\Flagged");
    if (m.flags & flag_deleted) add("\\Deleted");
    if (m.flags & flag_draft) add("\\Draft");
    if (with_recent && m.recent) add("\\Recent");
    for (const auto& k : m.keywords) add(k);
    s += ')';
    return s;
}

void selected_view::reset(std::vector<message_state> messages) {
    messages_ = std::move(messages);
    saved_.clear();
}

std::uint32_t selected_view::seq_of_uid(std::uint32_t uid) const noexcept {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                               [](const message_state& m, std::uint32_t u) { return m.uid < u; });
    if (it == messages_.end() || it->uid != uid) return 0;
    return static_cast<std::uint32_t>(it - messages_.begin()) + 1;
}

std::uint32_t selected_view::recent() const noexcept {
    return static_cast<std::uint32_t>(
        std::count_if(messages_.begin(), messages_.end(), [](const message_state& m) { return m.recent; }));
}

std::optional<std::vector<std::uint32_t>> selected_view::resolve(const sequence_set& set, bool uid) const {
    if (set.saved) {  // RFC 5182 §2.1: "$", less the messages expunged since
        std::vector<std::uint32_t> seqs;
        for (const auto u : saved_)
            if (const auto seq = seq_of_uid(u)) seqs.push_back(seq);
        return seqs;
    }
    std::vector<bool> in(messages_.size(), false);
    for (const auto& r : set.ranges) {
        if (uid) {
            // RFC 9051 §6.4.9: "*" is the largest UID; "559:*" holds the last
            // message even when 559 is above every UID.
            const auto lo = r.low(largest_uid()), hi = r.high(largest_uid());
            auto it = std::lower_bound(messages_.begin(), messages_.end(), lo,
                                       [](const message_state& m, std::uint32_t u) { return m.uid < u; });
            for (; it != messages_.end() && it->uid <= hi; ++it)
                in[static_cast<std::size_t>(it - messages_.begin())] = true;
        } else {
            // RFC 9051 §9: "*" on an empty mailbox, or a number above the
            // last message, is not a valid sequence number.
            if (messages_.empty()) return std::nullopt;
            const auto lo = r.low(size()), hi = r.high(size());
            if (hi > size()) return std::nullopt;
            for (auto n = lo; n <= hi; ++n) in[n - 1] = true;
        }
    }
    std::vector<std::uint32_t> seqs;
    for (std::size_t i = 0; i < in.size(); ++i)
        if (in[i]) seqs.push_back(static_cast<std::uint32_t>(i + 1));
    return seqs;
}

view_update selected_view::sync(const std::vector<message_state>& fresh, bool allow_expunge) {
    view_update u;
    std::vector<message_state> next;
    next.reserve(std::max(messages_.size(), fresh.size()));
    std::vector<bool> changed;
    std::size_t f = 0;
    std::uint32_t removed = 0;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        const auto& old = messages_[i];
        while (f < fresh.size() && fresh[f].uid < old.uid) ++f;  // below a known UID: not possible, skipped
        const bool present = f < fresh.size() && fresh[f].uid == old.uid;
        if (!present) {
            if (allow_expunge) {
                // Each EXPUNGE renumbers the rest at once (RFC 9051 §7.5.1).
                u.expunged.push_back(static_cast<std::uint32_t>(i + 1) - removed);
                u.expunged_uids.push_back(old.uid);
                ++removed;
                continue;
            }
            next.push_back(old);
            next.back().gone = true;
            u.held = true;
            changed.push_back(false);
            continue;
        }
        auto m = fresh[f++];
        m.recent |= old.recent;  // the session keeps \Recent once it had it
        const bool flags_differ = m.flags != old.flags || m.keywords != old.keywords || m.modseq != old.modseq;
        next.push_back(std::move(m));
        changed.push_back(flags_differ && !old.gone);
    }
    for (; f < fresh.size(); ++f)
        if (fresh[f].uid > (next.empty() ? 0 : next.back().uid)) {
            next.push_back(fresh[f]);
            changed.push_back(false);
            u.exists_changed = true;
        }
    for (std::size_t i = 0; i < next.size(); ++i)
        if (changed[i]) u.flag_changes.push_back(static_cast<std::uint32_t>(i + 1));
    messages_ = std::move(next);
    return u;
}

}  // namespace mailroom::imap
