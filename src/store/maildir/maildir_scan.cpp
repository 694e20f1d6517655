#include "store/maildir/maildir_scan.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/uid_file.hpp"

namespace mailroom::store::maildir {

result<std::vector<maildir_file>> list_maildir(durable::file_system& fs, const std::filesystem::path& dir) {
    std::vector<maildir_file> out;
    for (const char* sub : {"new", "cur"}) {
        auto names = fs.list_directory(dir / sub);
        if (!names) return names.error();
        for (auto& n : *names) {
            if (n.empty() || n[0] == '.') continue;
            std::string base(base_name(n));
            out.push_back({std::string(sub) + "/" + n, std::move(base)});
        }
    }
    return out;
}

result<maildir_stamps> read_maildir_stamps(durable::file_system& fs, const std::filesystem::path& dir) {
    maildir_stamps s;
    for (auto [sub, out] : {std::pair{"new", &s.new_ns}, std::pair{"cur", &s.cur_ns}}) {
        auto st = fs.stat(dir / sub);
        if (!st) return st.error();
        *out = st->mtime_ns;
    }
    auto list = fs.stat(dir / uidlist_file);
    if (!list && list.error() != errc::not_found) return list.error();
    if (list) s.uidlist_ns = list->mtime_ns, s.uidlist_size = list->size;
    return s;
}

bool clean_stamps(const maildir_stamps& s, std::int64_t now_ns) {
    constexpr std::int64_t dirty_ns = 1'000'000'000;
    return s.new_ns > 0 && s.cur_ns > 0 && s.uidlist_ns > 0 && std::max(s.new_ns, s.cur_ns) <= now_ns - dirty_ns;
}

result<numbered_files> rescan_maildir(durable::file_system& fs, const std::filesystem::path& dir,
                                      const std::optional<index_cache>& old) {
    auto files = list_maildir(fs, dir);
    if (!files) return files.error();
    auto loaded = load_uidlist(fs, dir);
    if (!loaded) return loaded.error();
    auto& list = loaded->list;
    // A lost list: the index remembers the UIDVALIDITY it replaces, so the
    // new one differs even within the same second.
    if (loaded->fresh && old && old->uidvalidity >= list.uidvalidity && old->uidvalidity != UINT32_MAX)
        list.uidvalidity = old->uidvalidity + 1;
    // Unnumbered files get UIDs in delivery-time order, as every release did.
    std::sort(files->begin(), files->end(), [](const maildir_file& a, const maildir_file& b) {
        auto ta = delivery_time(a.base), tb = delivery_time(b.base);
        return ta != tb ? ta < tb : a.base < b.base;
    });
    numbered_files out;
    out.next_before = list.next_uid;
    std::map<std::string, std::uint32_t, std::less<>> present;
    for (auto& f : *files) {
        if (present.count(f.base)) continue;  // same message in new/ and cur/: list it once
        std::uint32_t uid;
        if (auto it = list.uids.find(f.base); it != list.uids.end()) {
            uid = it->second;
        } else {
            if (list.next_uid == UINT32_MAX) return make_error_code(errc::limit_exceeded);
            uid = list.next_uid++;
            loaded->must_rewrite = true;
        }
        present.emplace(f.base, uid);
        out.by_uid.emplace(uid, std::move(f));
    }
    if (present.size() != list.uids.size()) loaded->must_rewrite = true;  // messages gone since
    list.uids = std::move(present);
    out.uidvalidity = list.uidvalidity;
    out.next_uid = list.next_uid;
    if (loaded->must_rewrite) out.uidlist = list.serialize();
    return out;
}

std::optional<numbered_files> files_from_index(const index_cache& index, const maildir_stamps& now) {
    if (!index.stamps || !(*index.stamps == now) || now.new_ns == 0 || now.cur_ns == 0) return std::nullopt;
    numbered_files out;
    out.uidvalidity = index.uidvalidity;
    out.next_before = out.next_uid = index.next_uid;
    out.from_index = true;
    for (const auto& [uid, m] : index.messages) {
        if (m.file.empty() || m.unverified_end) return std::nullopt;
        out.by_uid.emplace_hint(out.by_uid.end(), uid,
                                maildir_file{m.file, std::string(base_name(std::string_view(m.file).substr(4)))});
    }
    return out;
}

}  // namespace mailroom::store::maildir
