// server::imap_mailboxes, engineer H3's part: APPEND (the messages written
// through the store's message_writer - streamed literals as they arrive -
// and committed together, so every open session is told by the change bus) and COPY / MOVE through
// store::copy_messages (MOVE expunges the originals after the copy is
// durable, RFC 6851 §3.3). Blocking: called on the storage pool by
// imap_connection.cpp.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/errors.hpp"
#include "server/imap_mailboxes.hpp"

namespace mailroom::server {

namespace {
constexpr std::size_t write_chunk = 64 * 1024;
}  // namespace

std::error_code imap_mailboxes::open_stream(const std::string& mailbox) {
    if (!store_) return make_error_code(errc::storage_failure);
    auto w = store_->begin_append(mailbox);  // not_found: [TRYCREATE] before "+"
    if (!w) return w.error();
    streams_.push_back(std::move(*w));
    return {};
}

std::error_code imap_mailboxes::write_stream(std::string_view bytes) {
    if (streams_.empty()) return make_error_code(errc::invalid_argument);
    return streams_.back()->write(bytes);
}

result<imap::append_outcome> imap_mailboxes::append(imap::append_messages& a, durable::group_commit& commits) {
    auto streams = std::move(streams_);  // finished here or dropped with this frame
    streams_.clear();
    if (!store_) return make_error_code(errc::storage_failure);
    // The destination's UIDVALIDITY for [APPENDUID]; not_found: [TRYCREATE].
    auto box = store_->open(a.mailbox);
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    std::vector<store::pending_append> staged;
    staged.reserve(a.messages.size());
    std::size_t next_stream = 0;
    for (auto& m : a.messages) {
        std::unique_ptr<store::message_writer> w;
        if (m.streamed) {
            if (next_stream == streams.size()) return make_error_code(errc::invalid_argument);
            w = std::move(streams[next_stream++]);
        } else {
            auto made = store_->begin_append(a.mailbox);
            if (!made) return made.error();
            w = std::move(*made);
        }
        const std::string_view data = m.data;
        for (std::size_t off = 0; off < data.size(); off += write_chunk)
            if (auto ec = w->write(data.substr(off, write_chunk))) return ec;
        std::string().swap(m.data);  // written: the memory goes now, not at the end of MULTIAPPEND
        auto p = w->finish_with_keywords(m.flags, m.keywords);
        if (!p) return p.error();
        if (m.internal_date) {
            // Maildir's INTERNALDATE is the file's mtime (kept by the rename).
            std::error_code ec;
            std::filesystem::last_write_time(p->file.tmp,
                                             std::filesystem::file_time_type::clock::from_sys(
                                                 std::chrono::sys_seconds(std::chrono::seconds(*m.internal_date))),
                                             ec);
            if (ec) return ec;
        }
        staged.push_back(std::move(*p));
    }
    // RFC 3502 §6.3.11: all or none; an abandoned writer leaves nothing behind.
    auto uids = store::commit_appends(commits, std::move(staged), events_);
    if (!uids) return uids.error();
    return imap::append_outcome{snap->uidvalidity, std::move(*uids)};
}

result<imap::copy_outcome> imap_mailboxes::copy(const imap::copy_to_mailbox& c, durable::group_commit& commits) {
    if (!store_ || !box_) return make_error_code(errc::not_found);
    imap::copy_outcome out;
    {
        auto dest = store_->open(c.mailbox);  // not_found: [TRYCREATE]
        if (!dest) return dest.error();
        auto dsnap = (*dest)->sync();
        if (!dsnap) return dsnap.error();
        out.uidvalidity = dsnap->uidvalidity;
    }
    // Those still in the store, ascending: copy_messages copies them in
    // this order, which [COPYUID] pairs with the new UIDs (RFC 4315 §3).
    auto snap = box_->sync();
    if (!snap) return snap.error();
    for (const auto& m : snap->messages)
        if (std::binary_search(c.uids.begin(), c.uids.end(), m.uid)) out.source_uids.push_back(m.uid);
    if (!out.source_uids.empty()) {
        auto uids = store::copy_messages(*box_, out.source_uids, *store_, c.mailbox, commits, events_);
        if (!uids) return uids.error();
        out.uids = std::move(*uids);
        if (c.move)
            if (auto ec = box_->expunge(out.source_uids)) return ec;  // copied durably first: never lost
    }
    auto after = box_->sync();
    if (!after) return after.error();
    view_ = std::move(after->messages);
    out.view = view_of(view_);
    return out;
}

}  // namespace mailroom::server
