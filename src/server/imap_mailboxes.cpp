#include "server/imap_mailboxes.hpp"

#include "common/errors.hpp"
#include "storage/maildir.hpp"

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
    return i;
}

imap_mailboxes::imap_mailboxes(store::change_bus* events, durable::file_system& fs) : events_(events), fs_(fs) {}

std::error_code imap_mailboxes::open_store(const std::filesystem::path& mail_root, const std::string& user) {
    store_.emplace(fs_, storage::mailbox_path(mail_root, user), events_);
    return store_->create();
}

result<std::vector<std::string>> imap_mailboxes::list() {
    if (!store_) return make_error_code(errc::storage_failure);
    return store_->list_folders();
}

std::error_code imap_mailboxes::change(const imap::change_folder& c) {
    if (!store_) return make_error_code(errc::storage_failure);
    switch (c.op) {
        case imap::folder_operation::create: return store_->create_folder(c.name);
        case imap::folder_operation::remove: return store_->delete_folder(c.name);
        case imap::folder_operation::rename: return store_->rename_folder(c.name, c.new_name);
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

result<imap::mailbox_info> imap_mailboxes::select(const std::string& name) {
    box_.reset();
    view_.clear();
    if (!store_) return make_error_code(errc::storage_failure);
    auto box = store_->open(name);
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    box_ = std::move(*box);
    view_ = snap->messages;
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

bool imap_mailboxes::changed_since_sync() {
    if (!box_) return false;
    auto changed = box_->changed_since_sync();
    return !changed || *changed;  // an error: let the sync find out
}

}  // namespace mailroom::server
