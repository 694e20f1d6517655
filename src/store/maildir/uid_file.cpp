#include "store/maildir/uid_file.hpp"

#include <charconv>
#include <ctime>

#include "common/errors.hpp"
#include "durable/group_commit.hpp"
#include "store/maildir/dovecot_uidlist.hpp"
#include "store/maildir/layout.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;
namespace {

std::uint32_t fresh_uidvalidity(std::uint32_t previous) {
    auto now = static_cast<std::uint32_t>(std::time(nullptr));
    return now > previous ? now : previous + 1;
}

// "V<v> N<n>" of a header line; (0, 0) if not well-formed.
std::pair<std::uint32_t, std::uint32_t> parse_header(std::string_view text) {
    std::uint32_t v = 0, n = 0;
    auto nl = text.find('\n');
    if (nl == std::string_view::npos || !text.starts_with("V")) return {0, 0};
    auto line = text.substr(0, nl);
    auto sp = line.find(" N");
    if (sp == std::string_view::npos) return {0, 0};
    auto [p1, e1] = std::from_chars(line.data() + 1, line.data() + sp, v);
    auto [p2, e2] = std::from_chars(line.data() + sp + 2, line.data() + line.size(), n);
    if (e1 != std::errc{} || e2 != std::errc{} || p1 != line.data() + sp || p2 != line.data() + line.size())
        return {0, 0};
    return {v, n};
}

}  // namespace

result<loaded_uidlist> load_uidlist(durable::file_system& fs, const fs::path& dir) {
    auto text = fs.read_file(dir / uidlist_file);
    if (!text && text.error() != errc::not_found) return text.error();
    if (text)
        if (auto parsed = storage::uidlist::parse(*text))
            return loaded_uidlist{std::move(*parsed), parsed->appended > 0, false};
    // Never written (or only created by append_uid): a Maildir Dovecot
    // served keeps Dovecot's UIDs; a damaged list of ours never falls back.
    if (!text || text->empty()) {
        auto dovecot = read_dovecot_uidlist(fs, dir);
        if (!dovecot) return dovecot.error();
        if (*dovecot) return loaded_uidlist{std::move(**dovecot), true, false};
    }
    // A missing or unreadable list starts a new UID space.
    std::uint32_t old = 0;
    if (text && text->starts_with("V")) std::from_chars(text->data() + 1, text->data() + text->size(), old);
    storage::uidlist fresh;
    fresh.uidvalidity = fresh_uidvalidity(old);
    return loaded_uidlist{std::move(fresh), true, true};
}

std::uint32_t append_uid(durable::file_system& fs, const fs::path& dir, std::string_view base) noexcept {
    try {
        auto lock = fs.lock_wait(dir / index_lock_file);
        if (!lock) return 0;
        auto file = fs.open_append(dir / uidlist_file);
        if (!file) return 0;
        auto size = (*file)->size();
        if (!size) return 0;
        std::uint32_t next = 1;
        if (*size == 0) {
            // Dovecot's list is taken over by the first sync, not here.
            if (fs.stat(dir / dovecot_uidlist_file)) return 0;
            // A new mailbox: the header is not synced either; if it is lost,
            // the next sync starts the list afresh before anyone saw a UID.
            if ((*file)->append("V" + std::to_string(fresh_uidvalidity(0)) + " N1\n")) return 0;
        } else {
            auto head = (*file)->read_at(0, 64);
            if (!head) return 0;
            auto [v, n] = parse_header(*head);
            if (v == 0 || n == 0) return 0;  // damaged: the sync deals with it
            next = n;
            constexpr std::size_t tail_bytes = 512;
            const auto from = *size > tail_bytes ? *size - tail_bytes : 0;
            auto tail = (*file)->read_at(from, tail_bytes);
            if (!tail || tail->empty() || tail->back() != '\n') return 0;
            auto start = tail->rfind('\n', tail->size() - 2);
            std::string_view last(*tail);
            last = last.substr(start == std::string::npos ? 0 : start + 1);
            if (last.starts_with("+")) {
                std::uint32_t uid = 0;
                auto [p, ec] = std::from_chars(last.data() + 1, last.data() + last.size(), uid);
                if (ec != std::errc{} || *p != ' ') return 0;
                if (uid >= next) next = uid + 1;
            }
        }
        if (next == 0 || next == UINT32_MAX) return 0;
        if ((*file)->append(storage::uidlist::append_line(next, base))) return 0;
        return next;
    } catch (...) {  // allocation failure: the message is durable, the UID waits for a sync
        return 0;
    }
}

std::error_code replace_durably(durable::file_system& fs, const fs::path& dir,
                                const std::vector<std::pair<std::string, std::string>>& files) {
    durable::commit c;
    for (const auto& [name, content] : files) {
        const fs::path target = dir / name, tmp = dir / (name + ".tmp");
        // A leftover from a crash is only a half-written copy.
        if (auto ec = fs.unlink(tmp); ec && ec != errc::not_found) return ec;
        auto staged = durable::stage_file(fs, tmp, target, content);
        if (!staged) {
            for (const auto& f : c.files) fs.unlink(f.tmp);
            return staged.error();
        }
        c.files.push_back(std::move(*staged));
    }
    durable::group_commit alone(fs);
    // The renames replace older files: a rename that happened stays.
    return alone.run_and_clean_up(c, false);
}

}  // namespace mailroom::store::maildir
