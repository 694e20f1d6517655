#include "store/maildir/maildirsize.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/handles.hpp"
#include "store/maildir/names.hpp"

namespace mailroom::store::maildir {
namespace fs = std::filesystem;
namespace {

// Maildir++ quota (and Dovecot's maildir backend): a file this large, or
// this old, is recomputed; a recomputation writes one line.
constexpr std::size_t max_usage_file_bytes = 5120;
constexpr auto max_usage_age = std::chrono::minutes(15);
// The header: our limits live in the user directory, not here ("0S" is
// "no limit" to Maildir++ readers).
constexpr std::string_view usage_header = "0S,0C\n";

std::error_code errno_code() { return {errno, std::generic_category()}; }

// Adds one folder's new/ and cur/ to u.
std::error_code add_folder(const fs::path& dir, usage& u) {
    for (const char* sub : {"new", "cur"}) {
        std::error_code ec;
        fs::directory_iterator it(dir / sub, ec);
        if (ec == std::errc::no_such_file_or_directory) continue;
        if (ec) return ec;
        for (const auto& e : it) {
            const auto name = e.path().filename().string();
            if (name.empty() || name.front() == '.') continue;
            auto size = size_field(base_name(name), ",S=");
            if (!size) {
                std::error_code sec;
                const auto n = fs::file_size(e.path(), sec);
                if (sec) continue;  // gone meanwhile (expunged, or moved new/ -> cur/ and counted there)
                size = n;
            }
            u.bytes += static_cast<std::int64_t>(*size);
            ++u.messages;
        }
    }
    return {};
}

// "<bytes> <messages>" lines after the header; nullopt if any is damaged
// (a torn last line included: then the whole is recomputed).
std::optional<usage> parse_usage(std::string_view text) {
    const auto header_end = text.find('\n');
    if (header_end == std::string_view::npos) return std::nullopt;
    usage u;
    for (std::size_t pos = header_end + 1; pos < text.size();) {
        const auto end = text.find('\n', pos);
        if (end == std::string_view::npos) return std::nullopt;
        const auto line = text.substr(pos, end - pos);
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        std::int64_t b = 0, m = 0;
        const auto* p = line.data();
        auto rb = std::from_chars(p, p + sp, b);
        auto rm = std::from_chars(p + sp + 1, p + line.size(), m);
        if (rb.ec != std::errc{} || rb.ptr != p + sp || rm.ec != std::errc{} || rm.ptr != p + line.size())
            return std::nullopt;
        u.bytes += b;
        u.messages += m;
        pos = end + 1;
    }
    if (u.bytes < 0 || u.messages < 0) return std::nullopt;
    return u;
}

std::error_code write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        const auto n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_code();
        s.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// Replaces the file with the header and one line (write, rename: a reader
// sees the old file or the new one). No fsync: it is a cache.
std::error_code rewrite(const fs::path& root, const usage& u) {
    const fs::path tmp = root / (std::string(usage_file) + ".tmp." + std::to_string(::getpid()));
    {
        unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!fd) return errno_code();
        const std::string body = std::string(usage_header) + std::to_string(u.bytes) + " " +
                                 std::to_string(u.messages) + "\n";
        if (auto ec = write_all(fd.get(), body)) return ec;
    }
    if (::rename(tmp.c_str(), (root / usage_file).c_str()) != 0) {
        const auto ec = errno_code();
        ::unlink(tmp.c_str());
        return ec;
    }
    return {};
}

}  // namespace

fs::path usage_root_of(const fs::path& dir) {
    const auto name = dir.filename().string();
    return !name.empty() && name.front() == '.' ? dir.parent_path() : dir;
}

result<usage> compute_usage(const fs::path& root) {
    usage u;
    if (auto ec = add_folder(root, u)) return ec;
    std::error_code ec;
    fs::directory_iterator it(root, ec);
    if (ec == std::errc::no_such_file_or_directory) return u;
    if (ec) return ec;
    for (const auto& e : it) {
        const auto name = e.path().filename().string();
        // ".Folder" (Maildir++); "..deleted.*" is a folder being removed.
        if (name.size() < 2 || name.front() != '.' || name[1] == '.') continue;
        std::error_code dec;
        if (!e.is_directory(dec)) continue;
        if (auto fec = add_folder(e.path(), u)) return fec;
    }
    return u;
}

result<usage> read_usage(const fs::path& root) {
    const fs::path file = root / usage_file;
    unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd) {
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0 && static_cast<std::size_t>(st.st_size) <= max_usage_file_bytes &&
            std::chrono::seconds(::time(nullptr) - st.st_mtime) < max_usage_age) {
            std::string text(static_cast<std::size_t>(st.st_size), '\0');
            const auto n = ::pread(fd.get(), text.data(), text.size(), 0);
            if (n >= 0) {
                text.resize(static_cast<std::size_t>(n));
                if (auto u = parse_usage(text)) return *u;
            }
        }
    } else if (errno != ENOENT) {
        return errno_code();
    }
    auto u = compute_usage(root);
    if (!u) return u.error();
    std::error_code dir_ec;
    if (fs::is_directory(root, dir_ec)) rewrite(root, *u);  // best effort: computed again next time
    return *u;
}

std::error_code add_usage(const fs::path& root, std::int64_t bytes, std::int64_t messages) {
    unique_fd fd(::open((root / usage_file).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (!fd) return errno == ENOENT ? std::error_code{} : errno_code();
    // One write of one short line: appended whole (O_APPEND), even with
    // other writers at the same time.
    return write_all(fd.get(), std::to_string(bytes) + " " + std::to_string(messages) + "\n");
}

void forget_usage(const fs::path& root) { ::unlink((root / usage_file).c_str()); }

}  // namespace mailroom::store::maildir
