#include "server/imap_mailboxes.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"
#include "store/special_use.hpp"

namespace mailroom::server {

imap::mailbox_info info_of(const store::mailbox_snapshot& snap) {
    imap::mailbox_info i;
    i.uidvalidity = snap.uidvalidity;
    i.uidnext = snap.next_uid;
    i.messages = static_cast<std::uint32_t>(snap.messages.size());
    i.highest_modseq = snap.highest_modseq;
    std::uint32_t seq = 0;
    for (const auto& m : snap.messages) {
        ++seq;
        if (!(m.flags & store::seen)) {
            ++i.unseen;
            if (!i.first_unseen) i.first_unseen = seq;
        }
        if (m.flags & store::deleted) ++i.deleted;
        i.size += m.crlf_size;
    }
    i.recent = store::recent_count(snap);
    i.view = view_of(snap.messages);
    return i;
}

std::vector<imap::message_state> view_of(const std::vector<store::message_record>& messages) {
    static_assert(int{store::seen} == int{imap::flag_seen} && int{store::answered} == int{imap::flag_answered} &&
                  int{store::flagged} == int{imap::flag_flagged} && int{store::deleted} == int{imap::flag_deleted} &&
                  int{store::draft} == int{imap::flag_draft});  // the bits are passed as they are
    std::vector<imap::message_state> out;
    out.reserve(messages.size());
    for (const auto& m : messages) {
        imap::message_state s;
        s.uid = m.uid;
        s.flags = m.flags;
        s.keywords = m.keywords;
        s.modseq = m.modseq;
        s.internal_date = m.internal_date;
        s.size = m.crlf_size;
        s.recent = m.recent;
        out.push_back(std::move(s));
    }
    return out;
}

imap_mailboxes::imap_mailboxes(store::change_bus* events, durable::file_system& fs, store::mailbox_watcher* watcher)
    : events_(events), fs_(fs), watcher_(watcher) {}

std::error_code imap_mailboxes::open_store(const std::filesystem::path& mail_root, const std::string& user) {
    store_.emplace(fs_, store::maildir::mailbox_path(mail_root, user), events_, watcher_);
    return store_->create();
}

result<imap::folder_list> imap_mailboxes::list(bool subscriptions) {
    if (!store_) return make_error_code(errc::storage_failure);
    imap::folder_list out;
    auto folders = store_->list_folders();
    if (!folders) return folders.error();
    out.folders = std::move(*folders);
    for (const auto& f : out.folders) {
        auto use = store::special_use_of(f);  // RFC 6154 §2
        out.special_use.emplace_back(use ? use->attribute : std::string_view());
    }
    if (subscriptions) {
        auto subs = store_->subscriptions();
        if (!subs) return subs.error();
        out.subscribed = std::move(*subs);
    }
    return out;
}

std::error_code imap_mailboxes::change(const imap::change_folder& c) {
    if (!store_) return make_error_code(errc::storage_failure);
    switch (c.op) {
        case imap::folder_operation::create: return store_->create_folder(c.name);
        case imap::folder_operation::remove: return store_->delete_folder(c.name);
        case imap::folder_operation::rename: return store_->rename_folder(c.name, c.new_name);
        case imap::folder_operation::subscribe: {
            // RFC 9051 §6.3.7: the server may check that the mailbox exists; it does.
            auto folders = store_->list_folders();
            if (!folders) return folders.error();
            const bool inbox = c.name == "INBOX";
            if (!inbox && std::find(folders->begin(), folders->end(), c.name) == folders->end())
                return make_error_code(errc::not_found);
            return store_->subscribe(c.name);
        }
        case imap::folder_operation::unsubscribe: return store_->unsubscribe(c.name);
    }
    return make_error_code(errc::invalid_argument);
}

result<imap::mailbox_info> imap_mailboxes::status(const std::string& name) {
    if (!store_) return make_error_code(errc::storage_failure);
    auto box = store_->open(name);
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    return info_of(*snap);
}

result<imap::mailbox_info> imap_mailboxes::select(const std::string& name, bool claim_recent) {
    box_.reset();
    view_.clear();
    if (!store_) return make_error_code(errc::storage_failure);
    auto box = store_->open(name);
    if (!box) return box.error();
    if (claim_recent) (*box)->claim_recent();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    box_ = std::move(*box);
    view_ = snap->messages;
    fetcher_.forget();
    return info_of(*snap);
}

std::error_code imap_mailboxes::close(bool expunge) {
    std::error_code ec;
    if (box_ && expunge) {
        // The flags as they are now: another session may have set \Deleted.
        if (auto snap = box_->sync()) view_ = std::move(snap->messages);
        else return snap.error();
        std::vector<std::uint32_t> doomed;
        for (const auto& m : view_)
            if (m.flags & store::deleted) doomed.push_back(m.uid);
        if (!doomed.empty()) ec = box_->expunge(doomed);  // publishes "mailbox changed"
    }
    box_.reset();
    view_.clear();
    return ec;
}

result<imap::mailbox_info> imap_mailboxes::sync() {
    if (!box_) return make_error_code(errc::not_found);
    auto snap = box_->sync();
    if (!snap) return snap.error();
    view_ = snap->messages;
    return info_of(*snap);
}

result<std::vector<imap::uid_span>> imap_mailboxes::vanished(std::uint64_t modseq) {
    if (!box_) return make_error_code(errc::not_found);
    std::vector<imap::uid_span> out;
    for (const auto& r : box_->vanished_since(modseq)) out.push_back({r.first, r.last});
    return out;
}

bool imap_mailboxes::changed_since_sync() {
    if (!box_) return false;
    auto changed = box_->changed_since_sync();
    return !changed || *changed;  // an error: let the sync find out
}

}  // namespace mailroom::server

namespace mailroom::server {

result<imap::fetched_message> imap_mailboxes::fetch(const imap::fetch_message& f) {
    if (!box_) return make_error_code(errc::not_found);
    auto it = std::lower_bound(view_.begin(), view_.end(), f.uid,
                               [](const store::message_record& m, std::uint32_t u) { return m.uid < u; });
    if (it == view_.end() || it->uid != f.uid) {
        // Delivered after the last sync of this connection's store view.
        if (auto snap = box_->sync()) view_ = std::move(snap->messages);
        else return snap.error();
        it = std::lower_bound(view_.begin(), view_.end(), f.uid,
                              [](const store::message_record& m, std::uint32_t u) { return m.uid < u; });
        if (it == view_.end() || it->uid != f.uid) return make_error_code(errc::not_found);
    }
    return fetcher_.fetch(*box_, f.uid, it->size, it->crlf_size, f.items);
}

result<std::string> imap_mailboxes::body_chunk(std::size_t item, std::size_t max) {
    if (!box_) return make_error_code(errc::not_found);
    return fetcher_.next_chunk(*box_, item, max);
}

result<imap::store_outcome> imap_mailboxes::store(const imap::store_flags& s) {
    if (!box_) return make_error_code(errc::not_found);
    auto snap = box_->sync();
    if (!snap) return snap.error();
    imap::store_outcome out;
    std::vector<std::uint32_t> uids;
    for (const auto uid : s.uids) {
        auto it = std::lower_bound(snap->messages.begin(), snap->messages.end(), uid,
                                   [](const store::message_record& m, std::uint32_t u) { return m.uid < u; });
        if (it == snap->messages.end() || it->uid != uid) continue;  // expunged meanwhile
        // RFC 7162 §3.1.3: changed since the client's MODSEQ: left alone.
        if (s.unchangedsince && it->modseq > *s.unchangedsince) out.modified.push_back(uid);
        else uids.push_back(uid);
    }
    const auto how = s.mode == imap::store_mode::replace ? store::flag_change::replace
                     : s.mode == imap::store_mode::add   ? store::flag_change::add
                                                         : store::flag_change::remove;
    if (!uids.empty())
        if (auto ec = box_->store_flags(uids, how, s.flags, s.keywords)) return ec;
    auto after = box_->sync();
    if (!after) return after.error();
    view_ = std::move(after->messages);
    out.view = view_of(view_);
    return out;
}

result<std::vector<imap::message_state>> imap_mailboxes::expunge(const std::vector<std::uint32_t>& uids) {
    if (!box_) return make_error_code(errc::not_found);
    // The flags as they are now: another session may have set or cleared \Deleted.
    auto snap = box_->sync();
    if (!snap) return snap.error();
    std::vector<std::uint32_t> doomed;
    for (const auto& m : snap->messages)
        if ((m.flags & store::deleted) && std::binary_search(uids.begin(), uids.end(), m.uid)) doomed.push_back(m.uid);
    if (!doomed.empty())
        if (auto ec = box_->expunge(doomed)) return ec;  // publishes "mailbox changed" (POP3 and others see it)
    auto after = box_->sync();
    if (!after) return after.error();
    view_ = std::move(after->messages);
    return view_of(view_);
}

}  // namespace mailroom::server
