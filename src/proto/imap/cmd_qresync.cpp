// imap::session CONDSTORE and QRESYNC (RFC 7162) where they span commands:
// CONDSTORE enabled while a mailbox is selected (§3.1), SELECT/EXAMINE
// (QRESYNC ...) answering VANISHED (EARLIER) and the FETCHes of changed
// messages (§3.2.5), UID FETCH (VANISHED) (§3.2.6), both from the store's
// expunge history (list_vanished). Called from cmd_mailbox.cpp (SELECT),
// cmd_fetch.cpp, cmd_store.cpp, cmd_search.cpp and cmd_mailbox.cpp (STATUS).
#include <algorithm>

#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

constexpr std::uint32_t max_uid = 0xffffffffu;

// Sorted, merged spans.
std::vector<uid_span> normalised(std::vector<uid_span> v) {
    std::sort(v.begin(), v.end(), [](const uid_span& a, const uid_span& b) { return a.first < b.first; });
    std::vector<uid_span> out;
    for (const auto& s : v) {
        if (!out.empty() && std::uint64_t{s.first} <= std::uint64_t{out.back().last} + 1)
            out.back().last = std::max(out.back().last, s.last);
        else out.push_back(s);
    }
    return out;
}

// Both ascending and apart.
std::vector<uid_span> intersect(const std::vector<uid_span>& a, const std::vector<uid_span>& b) {
    std::vector<uid_span> out;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const auto lo = std::max(a[i].first, b[j].first), hi = std::min(a[i].last, b[j].last);
        if (lo <= hi) out.push_back({lo, hi});
        if (a[i].last < b[j].last) ++i;
        else ++j;
    }
    return out;
}

std::string render(const std::vector<uid_span>& spans) {
    std::string s;
    for (const auto& r : spans) {
        if (!s.empty()) s += ',';
        s += std::to_string(r.first);
        if (r.last != r.first) s += ':' + std::to_string(r.last);
    }
    return s;
}

}  // namespace

void session::enable_condstore() {
    if (condstore_) return;
    condstore_ = true;
    if (state_ != state::selected) return;
    // RFC 7162 §3.1: the first enabling command on a selected mailbox (not
    // SELECT's own parameter) is answered with the mailbox's HIGHESTMODSEQ.
    untagged("OK [HIGHESTMODSEQ " + std::to_string(highest_modseq()) + "] Highest.");
}

std::uint64_t session::highest_modseq() const {
    // RFC 7162 §3.1.2.1: mod-sequences are at least 1.
    std::uint64_t highest = std::max<std::uint64_t>(view_.highest_modseq, 1);
    for (std::uint32_t n = 1; n <= selected_.size(); ++n) highest = std::max(highest, selected_.at(n).modseq);
    return highest;
}

void session::vanished_listed(result<std::vector<uid_span>> uids) {
    if (awaiting_ != awaiting::vanished) return;
    awaiting_ = awaiting::nothing;
    std::vector<uid_span> spans;
    if (uids) {
        spans = normalised(std::move(*uids));
    } else {
        // The history could not be read: every UID below UIDNEXT that is not
        // here, which RFC 7162 §3.2.5.2 allows (more, never fewer).
        std::uint64_t next = 1;
        for (std::uint32_t n = 1; n <= selected_.size(); ++n) {
            const auto u = selected_.at(n).uid;
            if (u > next) spans.push_back({static_cast<std::uint32_t>(next), u - 1});
            next = std::uint64_t{u} + 1;
        }
        if (next < view_.uidnext) spans.push_back({static_cast<std::uint32_t>(next), view_.uidnext - 1});
    }
    auto within = [&](const sequence_set& set) {
        std::vector<uid_span> w;
        if (set.saved)
            for (const auto u : selected_.saved()) w.push_back({u, u});
        // "*" as the largest UID possible: the vanished UIDs may lie above every UID left.
        for (const auto& r : set.ranges) w.push_back({r.low(max_uid), r.high(max_uid)});
        return normalised(std::move(w));
    };
    if (resync_) {
        auto q = std::move(*resync_);
        resync_.reset();
        if (q.known_uids) spans = intersect(spans, within(*q.known_uids));
        write_vanished_earlier(std::move(spans));
        write_resync(q);
        ok(read_only_ ? "READ-ONLY" : "READ-WRITE", read_only_ ? "EXAMINE completed." : "SELECT completed.");
        return process();
    }
    if (vanished_of_) {
        auto f = std::move(*vanished_of_);
        vanished_of_.reset();
        write_vanished_earlier(intersect(spans, within(f.set)));
        start_fetch(f);
        return process();
    }
    process();
}

void session::write_vanished_earlier(std::vector<uid_span> spans) {
    // A UID still in the view (even one expunged and not yet told) is the
    // client's message until EXPUNGE/VANISHED says otherwise: left out.
    std::vector<uid_span> out;
    std::uint32_t n = 1;
    for (const auto& s : spans) {
        while (n <= selected_.size() && selected_.at(n).uid < s.first) ++n;
        std::uint64_t from = s.first;
        for (; n <= selected_.size() && selected_.at(n).uid <= s.last; ++n) {
            const auto u = selected_.at(n).uid;
            if (u > from) out.push_back({static_cast<std::uint32_t>(from), u - 1});
            from = std::uint64_t{u} + 1;
        }
        if (from <= s.last) out.push_back({static_cast<std::uint32_t>(from), s.last});
    }
    if (!out.empty()) untagged("VANISHED (EARLIER) " + render(out));
}

void session::write_resync(const qresync_params& q) {
    // RFC 7162 §3.2.5: the flags changed since the client's MODSEQ, of the
    // known UIDs when it listed them, each with UID and MODSEQ.
    for (std::uint32_t n = 1; n <= selected_.size(); ++n) {
        const auto& m = selected_.at(n);
        if (m.gone || m.modseq <= q.modseq) continue;
        if (q.known_uids && !q.known_uids->contains(m.uid, max_uid)) continue;
        untagged(std::to_string(n) + " FETCH (UID " + std::to_string(m.uid) + " FLAGS " + flags_of(m) + " MODSEQ (" +
                 std::to_string(m.modseq) + "))");
    }
}

}  // namespace mailroom::imap
