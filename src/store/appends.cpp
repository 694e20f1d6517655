// store::commit_appends and copy_messages: backend-neutral, over the
// mail_store / mailbox / message_writer interfaces.
#include <set>

#include "common/errors.hpp"
#include "store/change_bus.hpp"
#include "store/mail_store.hpp"

namespace mailroom::store {

result<std::vector<std::uint32_t>> commit_appends(durable::group_commit& commits, std::vector<pending_append> appends,
                                                  change_bus* bus) {
    durable::commit c;
    c.files.reserve(appends.size());
    for (auto& a : appends) c.files.push_back(std::move(a.file));
    // On failure no mailbox keeps the message: a copy left behind would be
    // delivered twice when the client tries again.
    if (auto ec = commits.run_and_clean_up(c, true)) return ec;
    std::vector<std::uint32_t> uids;
    std::set<std::string> keys;
    for (auto& a : appends) {
        uids.push_back(a.assign_uid ? a.assign_uid() : 0);
        keys.insert(a.event_key);
    }
    if (bus)
        for (const auto& k : keys) bus->publish(k);
    return uids;
}

result<std::vector<std::uint32_t>> copy_messages(mailbox& from, const std::vector<std::uint32_t>& uids,
                                                 mail_store& into, std::string_view to, durable::group_commit& commits,
                                                 change_bus* bus) {
    auto snap = from.sync();
    if (!snap) return snap.error();
    constexpr std::size_t chunk = 64 * 1024;
    std::vector<pending_append> staged;
    for (auto uid : uids) {
        auto it = std::lower_bound(snap->messages.begin(), snap->messages.end(), uid,
                                   [](const message_record& m, std::uint32_t u) { return m.uid < u; });
        if (it == snap->messages.end() || it->uid != uid) continue;
        auto w = into.begin_append(to);
        if (!w) return w.error();
        for (std::uint64_t off = 0;; off += chunk) {
            auto bytes = from.read(uid, off, chunk);
            if (!bytes) return bytes.error();
            if (auto ec = (*w)->write(*bytes)) return ec;
            if (bytes->size() < chunk) break;
        }
        auto p = (*w)->finish_with_keywords(it->flags, it->keywords);
        if (!p) return p.error();
        staged.push_back(std::move(*p));
    }
    if (staged.empty()) return std::vector<std::uint32_t>{};
    return commit_appends(commits, std::move(staged), bus);
}

}  // namespace mailroom::store
