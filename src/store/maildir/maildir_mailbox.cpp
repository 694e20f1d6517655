#include "store/maildir/maildir_mailbox.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "common/errors.hpp"
#include "store/maildir/index_files.hpp"
#include "store/maildir/keywords.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/maildir_scan.hpp"
#include "store/maildir/maildirsize.hpp"
#include "store/maildir/message_file.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/uid_file.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;
namespace {

std::uint64_t now_us() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string info_letters(std::string_view file) {
    auto colon = file.find(":2,");
    return colon == std::string_view::npos ? std::string() : std::string(file.substr(colon + 3));
}

}  // namespace

maildir_mailbox::maildir_mailbox(durable::file_system& fs, fs::path dir, change_bus* bus, mailbox_watcher* watcher)
    : fs_(fs), dir_(std::move(dir)), bus_(bus), blobs_(fs_, dir_) {
    if (watcher) watch_ = watcher->watch_mailbox(dir_, event_key());
}

result<maildir_mailbox::stamps> maildir_mailbox::read_stamps() {
    stamps s;
    for (auto [sub, out] : {std::pair{"new", &s.new_mtime}, std::pair{"cur", &s.cur_mtime}}) {
        auto st = fs_.stat(dir_ / sub);
        if (!st) return st.error();
        *out = st->mtime_ns;
    }
    return s;
}

result<bool> maildir_mailbox::changed_since_sync() {
    auto now = read_stamps();
    if (!now) return result<bool>(boost::system::in_place_error, now.error());
    return !(*now == seen_);
}

result<mailbox_snapshot> maildir_mailbox::sync() {
    auto lock = fs_.lock_wait(dir_ / index_lock_file);
    if (!lock) return lock.error();
    // Before listing: a change during the listing shows next time.
    auto stamps_now = read_maildir_stamps(fs_, dir_);
    if (!stamps_now) return stamps_now.error();
    const auto read_at = now_ns();
    auto cache_text = fs_.read_file(dir_ / cache_file);
    if (!cache_text && cache_text.error() != errc::not_found) return cache_text.error();
    std::optional<index_cache> old;
    if (cache_text) old = index_cache::parse(*cache_text);
    // Unchanged since the index listed them: its files, no rescan.
    std::optional<numbered_files> numbered = old ? files_from_index(*old, *stamps_now) : std::nullopt;
    if (!numbered) {
        auto scanned = rescan_maildir(fs_, dir_, old);
        if (!scanned) return scanned.error();
        numbered = std::move(*scanned);
    }
    auto& by_uid = numbered->by_uid;
    const std::uint32_t next_before = numbered->next_before;

    auto keywords = load_keywords(fs_, dir_);
    if (!keywords) return keywords.error();
    if (old && old->uidvalidity != numbered->uidvalidity) old.reset();
    index_cache cache;
    cache.uidvalidity = numbered->uidvalidity;
    cache.highest_modseq = old ? old->highest_modseq : 0;
    if (old) cache.expunge_floor = old->expunge_floor, cache.expunged = std::move(old->expunged);
    // RFC 3501 §2.3.2: a new index cannot tell which messages a session
    // has seen, so all are recent; an index from before \Recent was kept
    // makes none of its messages recent.
    cache.first_recent = !old ? 1 : old->first_recent ? old->first_recent : next_before;
    bool cache_changed = !old || cache.first_recent != old->first_recent;
    auto mine = [&](std::uint32_t uid) {
        return std::any_of(claimed_.begin(), claimed_.end(),
                           [&](const uid_range& r) { return uid >= r.first && uid <= r.last; });
    };
    auto bump = [&] {
        cache.highest_modseq = std::max(cache.highest_modseq + 1, now_us());
        cache_changed = true;
        return cache.highest_modseq;
    };

    mailbox_snapshot snap;
    snap.uidvalidity = numbered->uidvalidity;
    for (const auto& [uid, f] : by_uid) {
        cached_message m;
        const std::string letters = info_letters(f.file);
        const cached_message* before = nullptr;
        if (old)
            if (auto it = old->messages.find(uid); it != old->messages.end()) before = &it->second;
        if (before && before->unverified_end) {  // an index written before final line ends were counted
            auto st = fs_.stat(dir_ / f.file);
            auto last = st ? final_lf_missing(dir_ / f.file, st->size)
                           : result<bool>(boost::system::in_place_error, st.error());
            if (!last && last.error() == errc::not_found) continue;
            if (!last) return last.error();
            auto fixed = *before;
            fixed.unverified_end = false;
            if (*last && fixed.size == st->size) {
                ++fixed.size;
                if (size_field(f.base, ",W=")) fixed.crlf_size += 2;  // else crlf_size_of counted it already
            }
            old->messages[uid] = fixed;
            cache_changed = true;
        }
        if (before) {
            m = *before;
            if (m.info != letters) m.modseq = bump();
            m.info = letters;
        } else {
            const auto path = dir_ / f.file;
            auto size = size_field(f.base, ",S=");
            auto crlf = size_field(f.base, ",W=");
            // INTERNALDATE is the file's mtime, as Dovecot keeps it (an APPEND
            // with a date sets it), so a Maildir taken over keeps its dates;
            // the name's delivery time where the mtime is unknown.
            auto st = fs_.stat(path);
            if (!st && st.error() == errc::not_found) continue;  // removed just now by another program
            if (!st) return st.error();
            if (!size) size = st->size;
            std::int64_t date = st->mtime_ns != 0 ? st->mtime_ns / 1000000000
                                                  : static_cast<std::int64_t>(delivery_time(f.base).first);
            bool lacks_lf = false;
            if (!crlf) {
                auto content = fs_.read_file(path);
                if (!content && content.error() == errc::not_found) continue;
                if (!content) return content.error();
                crlf = crlf_size_of(*content);  // counts the final CRLF it lacks
                lacks_lf = !content->empty() && content->back() != '\n';
            } else {
                auto last = final_lf_missing(path, st->size);
                if (!last && last.error() == errc::not_found) continue;
                if (!last) return last.error();
                if ((lacks_lf = *last)) *crlf += 2;  // Dovecot's W= counts only what the file holds
            }
            if (lacks_lf) ++*size;  // the readers supply the "\n" (message_file.hpp)
            m = cached_message{bump(), date, *size, *crlf, letters, false, f.file};
        }
        const info i = parse_info(f.file);
        message_record
            r{uid, i.flags, {}, m.modseq, m.internal_date, m.size, m.crlf_size, uid >= cache.first_recent || mine(uid)};
        for (std::size_t k = 0; k < keywords->size(); ++k)
            if ((i.keyword_bits & (1u << k)) && !(*keywords)[k].empty()) r.keywords.push_back((*keywords)[k]);
        std::sort(r.keywords.begin(), r.keywords.end());
        snap.messages.push_back(std::move(r));
        m.file = f.file;
        cache.messages.emplace(uid, std::move(m));
    }
    if (old) {
        std::vector<std::uint32_t> gone;
        for (const auto& [uid, m] : old->messages)
            if (!cache.messages.count(uid)) gone.push_back(uid);
        // An expunge is a change of the mailbox (RFC 7162 §3.2.10), kept per UID for VANISHED.
        if (!gone.empty()) cache.add_expunged(bump(), gone);
    } else {
        cache.expunge_floor = cache.highest_modseq;  // a new index knows of no expunge before now
    }

    const std::uint32_t next_uid = numbered->next_uid;
    if (claiming_ && next_uid > cache.first_recent) {  // under the index lock: one claimant only
        if (!claimed_.empty() && claimed_.back().last + 1 == cache.first_recent) claimed_.back().last = next_uid - 1;
        else claimed_.push_back({cache.first_recent, next_uid - 1});
        cache.first_recent = next_uid;
        cache_changed = true;
    }

    // The uidlist first: the index records its stamp as written.
    if (numbered->uidlist) {
        if (auto ec = replace_durably(fs_, dir_, {{uidlist_file, *numbered->uidlist}})) return ec;
        auto list = fs_.stat(dir_ / uidlist_file);
        if (!list) return list.error();
        stamps_now->uidlist_ns = list->mtime_ns, stamps_now->uidlist_size = list->size;
    }
    if (clean_stamps(*stamps_now, read_at)) cache.stamps = *stamps_now, cache.next_uid = next_uid;
    if (!old || cache.stamps != old->stamps || cache.next_uid != old->next_uid) cache_changed = true;
    if (cache_changed)
        if (auto ec = replace_durably(fs_, dir_, {{cache_file, cache.serialize()}})) return ec;
    snap.next_uid = next_uid;
    snap.highest_modseq = cache.highest_modseq;
    next_uid_ = next_uid;
    cache_ = std::move(cache);
    files_ = std::move(by_uid);
    seen_ = {stamps_now->new_ns, stamps_now->cur_ns};
    return snap;
}

std::vector<uid_range> maildir_mailbox::vanished_since(std::uint64_t modseq) const {
    std::vector<uid_range> out;
    if (modseq < cache_.expunge_floor) {  // forgotten: every UID not here
        std::uint32_t next = 1;
        for (const auto& [uid, m] : cache_.messages) {
            if (uid > next) out.push_back({next, uid - 1});
            next = uid + 1;
        }
        if (next < next_uid_) out.push_back({next, next_uid_ - 1});
        return out;
    }
    for (const auto& x : cache_.expunged)
        if (x.modseq > modseq) out.insert(out.end(), x.uids.begin(), x.uids.end());
    std::sort(out.begin(), out.end(), [](const uid_range& a, const uid_range& b) { return a.first < b.first; });
    std::vector<uid_range> merged;
    for (const auto& r : out) {
        if (!merged.empty() && r.first <= merged.back().last + 1)
            merged.back().last = std::max(merged.back().last, r.last);
        else merged.push_back(r);
    }
    return merged;
}

result<std::string> maildir_mailbox::current_file(std::uint32_t uid) {
    auto it = files_.find(uid);
    if (it == files_.end()) return make_error_code(errc::not_found);
    auto files = list_maildir(fs_, dir_);
    if (!files) return files.error();
    for (auto& f : *files)
        if (f.base == it->second.base) {
            it->second.file = f.file;
            return f.file;
        }
    return make_error_code(errc::not_found);
}

result<bool> maildir_mailbox::final_lf_missing(const fs::path& file, std::uint64_t file_size) {
    if (file_size == 0) return false;
    auto last = fs_.read_range(file, file_size - 1, 1);
    if (!last) return result<bool>(boost::system::in_place_error, last.error());
    return *last != "\n";
}

std::uint64_t maildir_mailbox::indexed_size(std::uint32_t uid) const {
    auto it = cache_.messages.find(uid);
    return it == cache_.messages.end() ? 0 : it->second.size;
}

result<std::string> maildir_mailbox::read(std::uint32_t uid, std::uint64_t offset, std::size_t length) {
    auto it = files_.find(uid);
    if (it == files_.end()) return make_error_code(errc::not_found);
    auto bytes = fs_.read_range(dir_ / it->second.file, offset, length);
    if (!bytes && bytes.error() == errc::not_found) {
        // Another client moved it between new/ and cur/ or changed its flags.
        auto now = current_file(uid);
        if (!now) return now.error();
        bytes = fs_.read_range(dir_ / *now, offset, length);
    }
    // A file one octet shorter than indexed lacks its final line end: sync
    // counted a "\n" (and CRLF on the wire), so every reader gets it.
    // RFC 9051 §7.5.2: a literal's count is exact.
    if (bytes && bytes->size() < length && offset + bytes->size() + 1 == indexed_size(uid)) bytes->push_back('\n');
    return bytes;
}

result<std::unique_ptr<message_reader>> maildir_mailbox::open_message(std::uint32_t uid, read_mode mode) {
    if (&fs_ != &durable::real_file_system()) return mailbox::open_message(uid, mode);
    auto it = files_.find(uid);
    if (it == files_.end()) return make_error_code(errc::not_found);
    const auto size = indexed_size(uid);
    auto file = message_file::open(dir_ / it->second.file, mode, size);
    if (file || file.error() != errc::not_found || mode == read_mode::cached_only) return file;
    // Another client moved it between new/ and cur/ or changed its flags.
    auto now = current_file(uid);
    if (!now) return now.error();
    return message_file::open(dir_ / *now, mode, size);
}

std::error_code maildir_mailbox::store_flags(const std::vector<std::uint32_t>& uids, flag_change how, flag_set flags,
                                             const std::vector<std::string>& keywords) {
    auto bits = keyword_bits(fs_, dir_, keywords, how != flag_change::remove);
    if (!bits) return bits.error();
    bool changed = false;
    std::set<std::string> dirs;
    for (auto uid : uids) {
        auto it = files_.find(uid);
        if (it == files_.end()) continue;
        for (int attempt = 0; attempt < 2; ++attempt) {
            info i = parse_info(it->second.file);
            info next = i;
            if (how == flag_change::replace) next.flags = flags, next.keyword_bits = *bits;
            else if (how == flag_change::add) next.flags |= flags, next.keyword_bits |= *bits;
            else next.flags &= static_cast<flag_set>(~flags), next.keyword_bits &= ~*bits;
            if (next == i && it->second.file.starts_with("cur/")) break;
            const std::string target = "cur/" + file_name(it->second.base, next);
            auto ec = fs_.rename(dir_ / it->second.file, dir_ / target);
            if (!ec) {
                dirs.insert(it->second.file.substr(0, 3));
                dirs.insert("cur");
                it->second.file = target;
                changed = true;
                break;
            }
            if (ec != errc::not_found) return ec;
            if (auto now = current_file(uid); !now) {
                if (now.error() == errc::not_found) break;  // expunged meanwhile: nothing to flag
                return now.error();
            }
        }
    }
    for (const auto& d : dirs)
        if (auto ec = fs_.sync_directory(dir_ / d)) return ec;
    if (changed) publish();
    return {};
}

std::error_code maildir_mailbox::expunge(const std::vector<std::uint32_t>& uids) {
    bool removed = false;
    usage freed;  // what this call removed, for maildirsize
    for (auto uid : uids) {
        auto it = files_.find(uid);
        if (it == files_.end()) continue;
        auto ec = fs_.unlink(dir_ / it->second.file);
        if (ec == errc::not_found) {
            auto now = current_file(uid);
            if (!now && now.error() == errc::not_found) continue;  // gone already: counts as removed
            if (!now) return now.error();
            ec = fs_.unlink(dir_ / *now);
        }
        if (ec && ec != errc::not_found) return ec;
        if (!ec) {
            const std::string_view name = it->second.file;
            const auto base = base_name(name.substr(name.find('/') + 1));
            freed.bytes += static_cast<std::int64_t>(size_field(base, ",S=").value_or(0));
            ++freed.messages;
        }
        files_.erase(it);
        removed = true;
    }
    if (freed.messages > 0) add_usage(usage_root_of(dir_), -freed.bytes, -freed.messages);  // a cache: best effort
    if (!removed) return {};
    for (const char* sub : {"new", "cur"})
        if (auto ec = fs_.sync_directory(dir_ / sub)) return ec;
    publish();
    return {};
}

result<std::optional<std::string>> maildir_mailbox::cached_blob(std::uint32_t uid, std::string_view key) {
    if (!files_.count(uid)) return make_error_code(errc::not_found);
    return blobs_.get(cache_.uidvalidity, uid, key);
}

std::error_code maildir_mailbox::cache_blob(std::uint32_t uid, std::string_view key, std::string_view blob) {
    if (!files_.count(uid)) return make_error_code(errc::not_found);
    return blobs_.put(cache_.uidvalidity, uid, key, blob);
}

void maildir_mailbox::publish() {
    if (bus_) bus_->publish(event_key());
}

}  // namespace mailroom::store::maildir
