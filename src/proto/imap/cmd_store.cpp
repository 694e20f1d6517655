// imap::session STORE / UID STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3
// UNCHANGEDSINCE and [MODIFIED]), EXPUNGE / UID EXPUNGE (§6.4.3, RFC 4315
// §2.1), and how the selected view's updates are told (§7.5.1: no EXPUNGE
// while FETCH, STORE or SEARCH run). Engineer H1's part of the engine.
#include <algorithm>

#include "proto/common/keyword.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

bool contains(const std::vector<std::uint32_t>& sorted, std::uint32_t n) {
    return std::binary_search(sorted.begin(), sorted.end(), n);
}

std::string number_set(const std::vector<std::uint32_t>& ns) {
    std::string s;
    for (const auto n : ns) {
        if (!s.empty()) s += ',';
        s += std::to_string(n);
    }
    return s;
}

}  // namespace

bool session::expunge_allowed() const {
    if (fetch_ || store_) return false;
    if (after_sync_ != after_sync::deferred || !deferred_) return true;
    // RFC 9051 §7.5.1: not while FETCH, STORE or SEARCH (without UID) run.
    const auto& a = deferred_->args;
    if (const auto* f = std::get_if<fetch_command>(&a)) return f->uid;
    if (const auto* s = std::get_if<store_command>(&a)) return s->uid;
    if (const auto* s = std::get_if<search_command>(&a)) return s->uid;
    return true;
}

void session::tell_update(const view_update& u, const std::vector<std::uint32_t>& quiet) {
    if (qresync_ && !u.expunged_uids.empty()) {
        // RFC 7162 §3.2.10: after ENABLE QRESYNC, expunges are told by UID.
        auto uids = u.expunged_uids;
        std::sort(uids.begin(), uids.end());
        untagged("VANISHED " + compact_set(uids));
    } else {
        for (const auto seq : u.expunged) untagged(std::to_string(seq) + " EXPUNGE");
    }
    if (u.exists_changed) untagged(std::to_string(selected_.size()) + " EXISTS");
    // RFC 3501 §7.3.2: the number of recent messages, when it changed.
    if (!rev2_ && selected_.recent() != recent_told_) {
        recent_told_ = selected_.recent();
        untagged(std::to_string(recent_told_) + " RECENT");
    }
    for (const auto seq : u.flag_changes) {
        if (contains(quiet, seq)) continue;
        const auto& m = selected_.at(seq);
        // RFC 7162 §3.1: once CONDSTORE is on, every flag change carries its MODSEQ.
        untagged(std::to_string(seq) + " FETCH (UID " + std::to_string(m.uid) + " FLAGS " + flags_of(m) +
                 (condstore_ ? " MODSEQ (" + std::to_string(m.modseq) + "))" : ")"));
    }
    // Expunges held back (RFC 9051 §7.5.1) are told at the next command.
    if (u.held) changed_ = true;
}

void session::cmd_store(const command& c) {
    const auto& s = std::get<store_command>(c.args);
    if (read_only_) return no("READ-ONLY", "Mailbox is read-only.");  // RFC 9051 §6.3.3
    if (s.unchangedsince) enable_condstore();                         // RFC 7162 §3.1
    auto seqs = selected_.resolve(s.set, s.uid);
    if (!seqs) return bad("Invalid message sequence set.");
    store_flags req;
    req.mode = s.mode;
    req.unchangedsince = s.unchangedsince;
    for (const auto& f : s.flags) {
        if (auto bit = system_flag(f)) req.flags |= *bit;
        else if (proto::keyword_equals(f, "\\Recent")) continue;  // RFC 3501 §2.3.2: not settable
        else if (!f.empty() && f[0] == '\\') return bad("Invalid system flag.");
        else req.keywords.push_back(f);
    }
    std::sort(req.keywords.begin(), req.keywords.end());
    req.keywords.erase(std::unique(req.keywords.begin(), req.keywords.end()), req.keywords.end());
    const bool any = !seqs->empty();
    std::erase_if(*seqs, [&](std::uint32_t n) { return selected_.at(n).gone; });
    for (const auto n : *seqs) req.uids.push_back(selected_.at(n).uid);
    if (req.uids.empty()) {
        // Only messages expunged by another session (RFC 9051 §7.1), or a UID set naming none.
        if (any) return no("EXPUNGEISSUED", "Some messages were expunged.");
        return ok("", "STORE completed.");
    }
    store_ = store_run{s, std::move(*seqs)};
    request(std::move(req));
    wait_for(awaiting::store);
}

void session::flags_stored(result<store_outcome> r) {
    if (awaiting_ == awaiting::fetch_seen) {
        awaiting_ = awaiting::nothing;
        if (r) tell_update(selected_.sync(r->view, false), fetch_->seqs);
        else fetch_->flags_changed.assign(fetch_->seqs.size(), false);  // the body is still sent
        fetch_continue();
        return process();
    }
    if (awaiting_ != awaiting::store) return;
    awaiting_ = awaiting::nothing;
    auto run = std::move(*store_);
    store_.reset();
    if (!r) {
        no("SERVERBUG", "Unable to store flags; try again later.");
        return process();
    }
    // The UIDs refused by UNCHANGEDSINCE, and their sequence numbers.
    std::vector<std::uint32_t> modified = r->modified, modified_seqs;
    std::sort(modified.begin(), modified.end());
    // (Expunges wait during STORE, RFC 9051 §7.5.1: the numbers hold.)
    std::vector<std::uint32_t> ours;
    for (const auto seq : run.seqs) (contains(modified, selected_.at(seq).uid) ? modified_seqs : ours).push_back(seq);
    // Others' changes are told as well - those that made UNCHANGEDSINCE
    // refuse a message included - ours below (or, .SILENT, not at all).
    tell_update(selected_.sync(r->view, false), ours);
    for (const auto seq : ours) {
        const auto& m = selected_.at(seq);
        if (m.gone) continue;
        const std::string modseq = "MODSEQ (" + std::to_string(m.modseq) + ")";
        std::string line = std::to_string(seq) + " FETCH (";
        if (run.cmd.silent) {
            // RFC 7162 §3.1.3: .SILENT still tells a CONDSTORE client the new MODSEQ.
            if (!condstore_) continue;
            if (run.cmd.uid) line += "UID " + std::to_string(m.uid) + " ";
            untagged(line + modseq + ")");
            continue;
        }
        if (run.cmd.uid || condstore_) line += "UID " + std::to_string(m.uid) + " ";
        line += "FLAGS " + flags_of(m);
        if (condstore_) line += " " + modseq;
        untagged(line + ")");
    }
    if (!modified.empty()) {
        // RFC 7162 §3.1.3: UIDs for UID STORE, sequence numbers otherwise.
        ok("MODIFIED " + number_set(run.cmd.uid ? modified : modified_seqs), "Conditional STORE failed.");
    } else {
        ok("", "STORE completed.");
    }
    process();
}

void session::cmd_expunge(const command& c) {
    const auto& e = std::get<expunge_command>(c.args);
    if (read_only_) return no("READ-ONLY", "Mailbox is read-only.");
    expunge_messages req;
    if (e.uids) {
        auto seqs = selected_.resolve(*e.uids, true);
        for (const auto n : *seqs) req.uids.push_back(selected_.at(n).uid);
    } else {
        for (std::uint32_t n = 1; n <= selected_.size(); ++n) req.uids.push_back(selected_.at(n).uid);
    }
    request(std::move(req));
    wait_for(awaiting::expunge);
}

void session::messages_expunged(result<std::vector<message_state>> view) {
    if (awaiting_ != awaiting::expunge) return;
    awaiting_ = awaiting::nothing;
    if (!view) {
        no("SERVERBUG", "Unable to expunge; try again later.");
        return process();
    }
    tell_update(selected_.sync(*view, true), {});
    ok("", "EXPUNGE completed.");
    process();
}

}  // namespace mailroom::imap
