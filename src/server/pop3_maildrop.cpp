#include "server/pop3_maildrop.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "common/errors.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/maildir_store.hpp"

namespace mailroom::server {

std::string pop3_uidl(std::uint32_t uidvalidity, std::uint32_t uid) {
    return fmt::format("{:08x}{:08x}", uidvalidity, uid);
}

pop3_maildrop::pop3_maildrop(store::change_bus* events, durable::file_system& fs) : events_(events), fs_(fs) {}

result<std::vector<pop3::message_info>> pop3_maildrop::open(const std::filesystem::path& mail_root,
                                                            const std::string& user) {
    store::maildir::maildir_store st(fs_, store::maildir::mailbox_path(mail_root, user), events_);
    if (auto ec = st.create()) return ec;
    auto lock = fs_.lock_exclusive(st.root() / store::maildir::pop3_lock_file);
    if (!lock) return lock.error();
    auto box = st.open("INBOX");
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    std::vector<pop3::message_info> out;
    out.reserve(snap->messages.size());
    for (const auto& m : snap->messages) out.push_back({pop3_uidl(snap->uidvalidity, m.uid), m.crlf_size});
    lock_ = std::move(*lock);
    box_ = std::move(*box);
    listing_ = std::move(snap->messages);
    uidvalidity_ = snap->uidvalidity;
    return out;
}

result<std::string> pop3_maildrop::read(std::size_t index) {
    if (!box_ || index >= listing_.size()) return make_error_code(errc::not_found);
    const auto& m = listing_[index];
    // The size is what the index recorded; read on in case another program
    // wrote a file whose name understates it.
    auto all = box_->read(m.uid, 0, static_cast<std::size_t>(m.size) + 1);
    constexpr std::size_t chunk = 64 * 1024;
    while (all && all->size() > m.size) {
        auto more = box_->read(m.uid, all->size(), chunk);
        if (!more) return more.error();
        all->append(*more);
        if (more->size() < chunk) break;
    }
    return all;
}

std::error_code pop3_maildrop::apply_deletes(const std::vector<std::string>& uids) {
    if (!box_ || uids.empty()) return {};
    // A hash set, not a scan of the listing per UID: 50,000 deletions must
    // not cost 50,000 x 50,000 comparisons.
    const std::unordered_set<std::string> wanted(uids.begin(), uids.end());
    std::vector<std::uint32_t> doomed;
    for (const auto& m : listing_)
        if (wanted.count(pop3_uidl(uidvalidity_, m.uid))) doomed.push_back(m.uid);
    if (doomed.empty()) return {};
    return box_->expunge(doomed);  // publishes "mailbox changed"
}

}  // namespace mailroom::server
