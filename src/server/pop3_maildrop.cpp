#include "server/pop3_maildrop.hpp"

#include <unordered_set>

#include "common/errors.hpp"

namespace mailroom::server {

result<std::vector<pop3::message_info>> pop3_maildrop::open(const std::filesystem::path& mail_root,
                                                            const std::string& user) {
    storage::maildir box(storage::mailbox_path(mail_root, user));
    if (auto ec = box.create()) return ec;
    auto lock = box.lock_exclusive();
    if (!lock) return lock.error();
    auto entries = box.scan(*lock);
    if (!entries) return entries.error();
    std::vector<pop3::message_info> out;
    out.reserve(entries->size());
    for (const auto& e : *entries) out.push_back({e.uidl, e.crlf_size});
    box_.emplace(std::move(box));
    lock_ = std::move(*lock);
    entries_ = std::move(*entries);
    return out;
}

result<std::string> pop3_maildrop::read(std::size_t index) const {
    if (!box_ || index >= entries_.size()) return make_error_code(errc::not_found);
    return box_->read(entries_[index]);
}

std::error_code pop3_maildrop::apply_deletes(const std::vector<std::string>& uids) const {
    if (!box_ || uids.empty()) return {};
    // A hash set, not a scan of the listing per UID: 50,000 deletions must
    // not cost 50,000 x 50,000 comparisons.
    const std::unordered_set<std::string> wanted(uids.begin(), uids.end());
    std::vector<storage::message_entry> doomed;
    for (const auto& e : entries_)
        if (wanted.count(e.uidl)) doomed.push_back(e);
    if (doomed.empty()) return {};
    return box_->remove(lock_, doomed);
}

}  // namespace mailroom::server
