#include "store/maildir/maildir_store.hpp"

#include <algorithm>
#include <chrono>

#include "common/errors.hpp"
#include "common/mutf7.hpp"
#include "store/maildir/keywords.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/maildir_mailbox.hpp"
#include "store/maildir/maildirsize.hpp"
#include "store/maildir/message_writer.hpp"
#include "store/maildir/names.hpp"
#include "store/maildir/subscriptions.hpp"
#include "store/maildir/uid_file.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;
namespace {

bool is_inbox(std::string_view name) {
    return name.size() == 5 && std::equal(name.begin(), name.end(), "INBOX",
                                          [](char a, char b) { return (a >= 'a' && a <= 'z' ? a - 32 : a) == b; });
}

constexpr std::size_t max_disk_name_bytes = 200;  // ".<name>" within NAME_MAX (255)
constexpr const char* deleted_prefix = "..deleted.";

// Maildir++ names: '.' separates levels, so no empty level; nothing that
// would leave the directory or clash with our own files.
bool valid_folder_name(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.back() == '.') return false;
    if (name.find("..") != std::string_view::npos) return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '/') return false;
    return true;
}

// The directory name (without its leading '.') of a folder name in UTF-8.
std::optional<std::string> disk_name(std::string_view name) {
    if (!valid_folder_name(name)) return std::nullopt;
    auto encoded = utf8_to_mutf7(name);
    if (!encoded || encoded->size() > max_disk_name_bytes) return std::nullopt;
    return encoded;
}

// The UTF-8 folder name of a directory entry ".<mutf7>", if it is one.
std::optional<std::string> folder_name(std::string_view entry) {
    if (entry.size() < 2 || entry[0] != '.' || entry[1] == '.') return std::nullopt;
    auto name = mutf7_to_utf8(entry.substr(1));
    if (!name || !valid_folder_name(*name)) return std::nullopt;
    return name;
}

std::error_code make_maildir(durable::file_system& fs, const fs::path& dir) {
    for (const char* sub : {"tmp", "new", "cur"})
        if (auto ec = make_directories_durably(fs, dir / sub)) return ec;
    return {};
}

// A file in tmp/ untouched for 36 hours is a leftover of a crashed
// delivery (the Maildir rule, as qmail and Dovecot apply it). Best effort:
// a failure here never stops the open. An unknown mtime (0) is left alone.
void remove_stale_tmp(durable::file_system& fs, const fs::path& dir) {
    constexpr auto stale = std::chrono::hours(36);
    auto names = fs.list_directory(dir / "tmp");
    if (!names) return;
    const auto cutoff = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            (std::chrono::system_clock::now() - stale).time_since_epoch())
                            .count();
    for (const auto& n : *names)
        if (auto st = fs.stat(dir / "tmp" / n); st && !st->directory && st->mtime_ns != 0 && st->mtime_ns < cutoff)
            fs.unlink(dir / "tmp" / n);
}

}  // namespace

fs::path mailbox_path(const fs::path& mail_root, std::string_view address) {
    const auto at = address.rfind('@');
    return mail_root / std::string(address.substr(at + 1)) / std::string(address.substr(0, at));
}

std::error_code make_directories_durably(durable::file_system& fs, const fs::path& dir) {
    auto made = fs.make_directory(dir);
    if (!made && made.error() == errc::not_found && dir.has_parent_path() && dir.parent_path() != dir) {
        if (auto ec = make_directories_durably(fs, dir.parent_path())) return ec;
        made = fs.make_directory(dir);
    }
    if (!made) return made.error();
    // A new directory is an entry in its parent: durable only once the parent is synced.
    if (*made) return fs.sync_directory(dir.parent_path());
    return {};
}

maildir_store::maildir_store(durable::file_system& fs, fs::path root, change_bus* bus, mailbox_watcher* watcher)
    : fs_(fs), root_(std::move(root)), bus_(bus), watcher_(watcher) {}

std::error_code maildir_store::create() { return make_maildir(fs_, root_); }

result<fs::path> maildir_store::folder_dir(std::string_view name) const {
    if (is_inbox(name)) return root_;
    auto disk = disk_name(name);
    if (!disk) return make_error_code(errc::invalid_argument);
    return root_ / ("." + *disk);
}

result<std::vector<std::string>> maildir_store::list_folders() {
    auto names = fs_.list_directory(root_);
    if (!names) return names.error();
    std::vector<std::string> out;
    for (auto& n : *names) {
        auto name = folder_name(n);
        if (!name) continue;
        // Not a folder (our lock files start with '.' too): no cur/ in it.
        auto st = fs_.stat(root_ / n / "cur");
        if (st && st->directory) out.push_back(std::move(*name));
    }
    std::sort(out.begin(), out.end());
    out.insert(out.begin(), "INBOX");
    return out;
}

std::error_code maildir_store::create_folder(std::string_view name) {
    auto dir = folder_dir(name);
    if (!dir) return dir.error();
    if (*dir == root_) return make_error_code(errc::already_exists);
    if (auto ec = make_maildir(fs_, root_)) return ec;
    auto made = fs_.make_directory(*dir);
    if (!made) return made.error();
    if (!*made) return make_error_code(errc::already_exists);
    if (auto ec = fs_.sync_directory(root_)) return ec;
    if (auto ec = make_maildir(fs_, *dir)) return ec;
    auto marker = fs_.create_exclusive(*dir / folder_marker_file);
    if (!marker && marker.error() != errc::already_exists) return marker.error();
    return fs_.sync_directory(*dir);
}

std::error_code maildir_store::delete_folder(std::string_view name) {
    auto dir = folder_dir(name);
    if (!dir) return dir.error();
    if (*dir == root_) return make_error_code(errc::invalid_argument);  // RFC 9051 §6.3.4: INBOX cannot go
    // The rename is the deletion: afterwards the folder is gone whatever
    // happens to the emptying.
    const auto gone = root_ / (deleted_prefix + new_unique_name());
    if (auto ec = fs_.rename(*dir, gone)) return ec;
    if (auto ec = fs_.sync_directory(root_)) return ec;
    forget_usage(root_);  // its messages went with it: maildirsize is recomputed
    // This one and any a crash left behind; what cannot be removed now is
    // tried again by the next deletion.
    if (auto names = fs_.list_directory(root_))
        for (const auto& n : *names)
            if (n.starts_with(deleted_prefix)) remove_deleted(root_ / n);
    return {};
}

std::error_code maildir_store::remove_deleted(const fs::path& dir) {
    auto top = fs_.list_directory(dir);
    if (!top) return top.error();
    for (const auto& n : *top) {
        if (n == "tmp" || n == "new" || n == "cur") {
            auto files = fs_.list_directory(dir / n);
            if (!files) return files.error();
            for (const auto& f : *files)
                if (auto ec = fs_.unlink(dir / n / f); ec && ec != errc::not_found) return ec;
            if (auto ec = fs_.remove_directory(dir / n)) return ec;
        } else if (auto ec = fs_.unlink(dir / n); ec && ec != errc::not_found) {
            return ec;
        }
    }
    if (auto ec = fs_.remove_directory(dir)) return ec;
    return fs_.sync_directory(root_);
}

std::error_code maildir_store::rename_folder(std::string_view from, std::string_view to) {
    auto a = folder_dir(from), b = folder_dir(to);
    if (!a) return a.error();
    if (!b) return b.error();
    // Renaming INBOX moves its messages in IMAP (RFC 9051 §6.3.6): not offered here.
    if (*a == root_ || *b == root_) return make_error_code(errc::invalid_argument);
    if (auto st = fs_.stat(*b); st) return make_error_code(errc::already_exists);
    if (auto st = fs_.stat(*a); !st) return st.error();
    // The children ("from.x") move with it, as IMAP's hierarchy requires.
    // Modified UTF-7 leaves '.' as it is, so a child's directory name is the
    // parent's plus ".x" on disk too.
    auto names = fs_.list_directory(root_);
    if (!names) return names.error();
    const std::string old_disk = a->filename().string().substr(1), new_disk = b->filename().string().substr(1);
    const std::string prefix = "." + old_disk + ".";
    std::vector<std::pair<fs::path, fs::path>> moves{{*a, *b}};
    for (const auto& n : *names)
        if (n.starts_with(prefix)) {
            const auto target = root_ / ("." + new_disk + n.substr(prefix.size() - 1));
            if (auto st = fs_.stat(target); st) return make_error_code(errc::already_exists);
            moves.emplace_back(root_ / n, target);
        }
    for (const auto& [x, y] : moves)
        if (auto ec = fs_.rename(x, y)) return ec;
    if (auto ec = fs_.sync_directory(root_)) return ec;
    return change_subscriptions([&](std::vector<std::string>& subs) {
        bool changed = false;
        for (auto& s : subs)
            if (s == old_disk || s.starts_with(old_disk + ".")) {
                s = new_disk + s.substr(old_disk.size());
                changed = true;
            }
        return changed;
    });
}

result<std::vector<std::string>> maildir_store::stored_subscriptions() {
    auto text = fs_.read_file(root_ / subscriptions_file);
    if (!text) {
        if (text.error() == errc::not_found) return std::vector<std::string>{};
        return text.error();
    }
    // A damaged file is replaced by the next change.
    return parse_subscriptions(*text).value_or(std::vector<std::string>{});
}

std::error_code maildir_store::change_subscriptions(const std::function<bool(std::vector<std::string>&)>& change) {
    if (auto ec = create()) return ec;
    auto lock = fs_.lock_wait(root_ / index_lock_file);
    if (!lock) return lock.error();
    auto subs = stored_subscriptions();
    if (!subs) return subs.error();
    if (!change(*subs)) return {};
    return replace_durably(fs_, root_, {{subscriptions_file, serialize_subscriptions(*subs)}});
}

result<std::vector<std::string>> maildir_store::subscriptions() {
    auto subs = stored_subscriptions();
    if (!subs) return subs.error();
    std::vector<std::string> out;
    for (const auto& s : *subs) {
        if (is_inbox(s)) {
            out.emplace_back("INBOX");
        } else if (auto name = mutf7_to_utf8(s); name && valid_folder_name(*name)) {
            out.push_back(std::move(*name));
        }
    }
    return out;
}

// subscribe(true) or unsubscribe(false) the entry of name ("INBOX" or its directory name).
std::error_code maildir_store::set_subscribed(std::string_view name, bool on) {
    auto dir = folder_dir(name);
    if (!dir) return dir.error();
    const std::string entry = *dir == root_ ? std::string("INBOX") : dir->filename().string().substr(1);
    auto same = [&](const std::string& s) { return s == entry || (entry == "INBOX" && is_inbox(s)); };
    return change_subscriptions([&](std::vector<std::string>& subs) {
        const bool present = std::find_if(subs.begin(), subs.end(), same) != subs.end();
        if (present == on) return false;
        if (on) subs.push_back(entry);
        else subs.erase(std::remove_if(subs.begin(), subs.end(), same), subs.end());
        return true;
    });
}

result<std::unique_ptr<mailbox>> maildir_store::open(std::string_view folder) {
    auto dir = folder_dir(folder);
    if (!dir) return dir.error();
    if (*dir == root_)
        if (auto ec = create()) return ec;
    auto st = fs_.stat(*dir / "cur");
    if (!st) return st.error();
    remove_stale_tmp(fs_, *dir);
    return std::unique_ptr<mailbox>(std::make_unique<maildir_mailbox>(fs_, *dir, bus_, watcher_));
}

result<std::unique_ptr<message_writer>> maildir_store::begin_append(std::string_view folder) {
    auto dir = folder_dir(folder);
    if (!dir) return dir.error();
    auto w = streaming_writer::start(fs_, *dir, dir->string());
    // The mailbox nearly always exists: INBOX is made only when tmp/ is
    // missing, rather than checked (three stat calls) every time.
    if (!w && w.error() == errc::not_found && *dir == root_) {
        if (auto ec = create()) return ec;
        w = streaming_writer::start(fs_, *dir, dir->string());
    }
    if (!w) return w.error();
    return std::unique_ptr<message_writer>(std::make_unique<keyword_writer>(fs_, *dir, std::move(*w)));
}

}  // namespace mailroom::store::maildir
