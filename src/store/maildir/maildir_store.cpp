#include "store/maildir/maildir_store.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/layout.hpp"
#include "store/maildir/maildir_mailbox.hpp"
#include "store/maildir/message_writer.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;
namespace {

bool is_inbox(std::string_view name) {
    return name.size() == 5 && std::equal(name.begin(), name.end(), "INBOX",
                                          [](char a, char b) { return (a >= 'a' && a <= 'z' ? a - 32 : a) == b; });
}

// Maildir++ names: '.' separates levels, so no empty level; nothing that
// would leave the directory or clash with our own files.
bool valid_folder_name(std::string_view name) {
    if (name.empty() || name.size() > 200 || name.front() == '.' || name.back() == '.') return false;
    if (name.find("..") != std::string_view::npos) return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '/') return false;
    return true;
}

std::error_code make_maildir(durable::file_system& fs, const fs::path& dir) {
    for (const char* sub : {"tmp", "new", "cur"})
        if (auto ec = make_directories_durably(fs, dir / sub)) return ec;
    return {};
}

}  // namespace

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

maildir_store::maildir_store(durable::file_system& fs, fs::path root, change_bus* bus)
    : fs_(fs), root_(std::move(root)), bus_(bus) {}

std::error_code maildir_store::create() { return make_maildir(fs_, root_); }

result<fs::path> maildir_store::folder_dir(std::string_view name) const {
    if (is_inbox(name)) return root_;
    if (!valid_folder_name(name)) return make_error_code(errc::invalid_argument);
    return root_ / ("." + std::string(name));
}

result<std::vector<std::string>> maildir_store::list_folders() {
    auto names = fs_.list_directory(root_);
    if (!names) return names.error();
    std::vector<std::string> out;
    for (auto& n : *names) {
        if (n.size() < 2 || n[0] != '.' || !valid_folder_name(std::string_view(n).substr(1))) continue;
        // Not a folder (our lock files start with '.' too): no cur/ in it.
        auto st = fs_.stat(root_ / n / "cur");
        if (st && st->directory) out.push_back(n.substr(1));
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
    if (*dir == root_) return make_error_code(errc::invalid_argument);  // RFC 9051 §6.3.5: INBOX cannot go
    auto top = fs_.list_directory(*dir);
    if (!top) return top.error();
    for (const auto& n : *top) {
        if (n == "tmp" || n == "new" || n == "cur") {
            auto files = fs_.list_directory(*dir / n);
            if (!files) return files.error();
            for (const auto& f : *files)
                if (auto ec = fs_.unlink(*dir / n / f); ec && ec != errc::not_found) return ec;
            if (auto ec = fs_.remove_directory(*dir / n)) return ec;
        } else if (auto ec = fs_.unlink(*dir / n); ec && ec != errc::not_found) {
            return ec;
        }
    }
    if (auto ec = fs_.remove_directory(*dir)) return ec;
    return fs_.sync_directory(root_);
}

std::error_code maildir_store::rename_folder(std::string_view from, std::string_view to) {
    auto a = folder_dir(from), b = folder_dir(to);
    if (!a) return a.error();
    if (!b) return b.error();
    // Renaming INBOX moves its messages in IMAP (RFC 9051 §6.3.6): not offered here.
    if (*a == root_ || *b == root_) return make_error_code(errc::invalid_argument);
    if (auto st = fs_.stat(*b); st) return make_error_code(errc::already_exists);
    // The children ("from.x") move with it, as IMAP's hierarchy requires.
    auto names = fs_.list_directory(root_);
    if (!names) return names.error();
    const std::string prefix = "." + std::string(from) + ".";
    if (auto ec = fs_.rename(*a, *b)) return ec;
    for (const auto& n : *names)
        if (n.starts_with(prefix))
            if (auto ec = fs_.rename(root_ / n, root_ / ("." + std::string(to) + n.substr(prefix.size() - 1))))
                return ec;
    return fs_.sync_directory(root_);
}

result<std::unique_ptr<mailbox>> maildir_store::open(std::string_view folder) {
    auto dir = folder_dir(folder);
    if (!dir) return dir.error();
    if (*dir == root_)
        if (auto ec = create()) return ec;
    auto st = fs_.stat(*dir / "cur");
    if (!st) return st.error();
    return std::unique_ptr<mailbox>(std::make_unique<maildir_mailbox>(fs_, *dir, bus_));
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
    return std::unique_ptr<message_writer>(std::move(*w));
}

}  // namespace mailroom::store::maildir
