#include "storage/maildir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>

#include "common/clock.hpp"
#include "common/errors.hpp"
#include "durable/group_commit.hpp"
#include "storage/file_io.hpp"
#include "storage/uidlist.hpp"

namespace mailroom::storage {
namespace fs = std::filesystem;

namespace {

constexpr const char* uidlist_name = "mailroom-uidlist";
constexpr const char* lock_name = ".mailroom-pop3.lock";

// Maildir names carry the host; '/' and ':' would break the name, so they
// are written as octal escapes, as the Maildir convention does.
const std::string& escaped_hostname() {
    static const std::string name = [] {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return std::string("localhost");
        std::string out;
        for (const char* p = buf; *p; ++p) {
            if (*p == '/') out += "\\057";
            else if (*p == ':') out += "\\072";
            else out += *p;
        }
        return out;
    }();
    return name;
}

std::string normalise_line_ends(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 1);
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        out += message[i];
    }
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

// Octets the message has on the POP3 wire: every line end CRLF (an LF
// already preceded by CR stays as it is; see pop3::append_multiline_message).
std::uint64_t crlf_size_of(std::string_view content) {
    std::uint64_t n = content.size();
    for (std::size_t i = 0; i < content.size(); ++i)
        if (content[i] == '\n' && (i == 0 || content[i - 1] != '\r')) ++n;
    if (!content.empty() && content.back() != '\n') n += 2;  // the sender adds a final CRLF
    return n;
}

// ",W=<n>" in a Maildir base name (Dovecot's virtual size), if well-formed.
std::optional<std::uint64_t> size_from_name(std::string_view base) {
    auto w = base.find(",W=");
    if (w == std::string_view::npos) return std::nullopt;
    auto digits = base.substr(w + 3);
    digits = digits.substr(0, digits.find(','));
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    return v;
}

// Delivery time of a Maildir name ("<seconds>.M<microseconds>P..."), for
// ordering messages that get their UID in the same scan; 0 where absent.
std::pair<std::uint64_t, std::uint64_t> delivery_time(std::string_view name) {
    std::uint64_t secs = 0, usecs = 0;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), secs);
    if (ec == std::errc{} && name.substr(static_cast<std::size_t>(p - name.data())).starts_with(".M"))
        std::from_chars(p + 2, name.data() + name.size(), usecs);
    return {secs, usecs};
}

struct found_file {
    fs::path path;
    std::string base;
};

result<std::vector<found_file>> list_messages(const fs::path& root) {
    std::vector<found_file> out;
    for (const char* sub : {"new", "cur"}) {
        std::error_code ec;
        fs::directory_iterator it(root / sub, ec);
        if (ec) {
            if (ec == std::errc::no_such_file_or_directory) continue;
            return ec;
        }
        for (const auto& e : it) {
            const std::string name = e.path().filename().string();
            if (name.empty() || name[0] == '.') continue;
            std::error_code tec;
            if (!e.is_regular_file(tec)) continue;
            out.push_back({e.path(), std::string(maildir_base_name(name))});
        }
    }
    return out;
}

// The "V<n>" of a list whose rest is damaged, or 0.
std::uint32_t header_uidvalidity(std::string_view text) {
    std::uint32_t v = 0;
    if (text.starts_with("V")) std::from_chars(text.data() + 1, text.data() + text.size(), v);
    return v;
}

std::uint32_t fresh_uidvalidity(std::uint32_t previous) {
    auto now = static_cast<std::uint32_t>(std::time(nullptr));
    return now > previous ? now : previous + 1;
}

}  // namespace

maildir::maildir(fs::path root) : root_(std::move(root)) {}

std::error_code maildir::create() const {
    for (const char* sub : {"tmp", "new", "cur"})
        if (auto ec = make_private_dirs(root_ / sub)) return ec;
    return {};
}

result<durable::staged_file> maildir::stage(std::string_view message, durable::file_system& fs) const {
    const std::string content = normalise_line_ends(message);

    static std::atomic<std::uint64_t> counter{0};
    static system_random random;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000;
    const auto name = fmt::format("{}.M{}P{}Q{}R{:08x}.{},S={},W={}", secs, usecs, ::getpid(), ++counter,
                                  static_cast<std::uint32_t>(random.next_u64()), escaped_hostname(), content.size(),
                                  crlf_size_of(content));
    // Written to tmp/ under the final name, renamed into new/ by the commit:
    // never half-visible to a reader.
    const fs::path tmp = root_ / "tmp" / name, final_name = root_ / "new" / name;
    // The mailbox nearly always exists: the directories are made only when
    // tmp/ is missing, rather than checked (three stat calls) every time.
    auto staged = durable::stage_file(fs, tmp, final_name, content);
    if (staged || staged.error() != errc::not_found) return staged;
    if (auto ec = create()) return ec;
    return durable::stage_file(fs, tmp, final_name, content);
}

result<std::string> maildir::deliver(std::string_view message) const {
    auto& fs = durable::real_file_system();
    auto staged = stage(message, fs);
    if (!staged) return staged.error();
    std::string name = staged->final_name.filename().string();
    // tmp/ -> fdatasync -> rename into new/ -> fsync new/: on stable storage
    // before we say so. A commit of one, through the same code as batches.
    durable::commit c;
    c.files.push_back(std::move(*staged));
    durable::group_commit alone(fs);
    if (auto ec = alone.run_and_clean_up(c, true)) return ec;
    return name;
}

result<mailbox_lock> maildir::lock_exclusive() const {
    if (auto ec = make_private_dirs(root_)) return ec;
    const fs::path file = root_ / lock_name;
    unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return errno_code();
    // flock() locks belong to the open file description, so two sessions of
    // this process conflict just like two processes do.
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return make_error_code(errc::in_use);
        return errno_code();
    }
    return mailbox_lock(std::move(fd));
}

result<std::vector<message_entry>> maildir::scan(const mailbox_lock& lock) const {
    if (!lock.held()) return make_error_code(errc::invalid_argument);
    auto files = list_messages(root_);
    if (!files) return files.error();

    const fs::path list_path = root_ / uidlist_name;
    auto text = read_whole_file(list_path);
    if (!text && text.error() != errc::not_found) return text.error();
    std::optional<uidlist> parsed;
    if (text) parsed = uidlist::parse(*text);
    bool changed = !parsed;
    // A missing or unreadable list starts a new UID space: UIDVALIDITY
    // changes, so clients that remember UIDs fetch again rather than
    // mistake one message for another. (A list torn beyond its header
    // line within the second it was made could repeat a UIDVALIDITY.)
    uidlist list = parsed ? std::move(*parsed)
                          : uidlist{fresh_uidvalidity(text ? header_uidvalidity(*text) : 0), 1, {}};

    std::sort(files->begin(), files->end(), [](const found_file& a, const found_file& b) {
        auto ta = delivery_time(a.base), tb = delivery_time(b.base);
        return ta != tb ? ta < tb : a.base < b.base;
    });

    std::vector<message_entry> out;
    std::map<std::string, std::uint32_t, std::less<>> present;
    for (auto& f : *files) {
        if (present.count(f.base)) continue;  // same message in new/ and cur/: list it once
        std::uint64_t crlf_size = 0;
        if (auto w = size_from_name(f.base)) {
            crlf_size = *w;
        } else {
            auto content = read_whole_file(f.path);
            if (!content && content.error() == errc::not_found) continue;  // another client removed it just now
            if (!content) return content.error();
            crlf_size = crlf_size_of(*content);
        }
        std::uint32_t uid;
        if (auto it = list.uids.find(f.base); it != list.uids.end()) {
            uid = it->second;
        } else {
            if (list.next_uid == UINT32_MAX) return make_error_code(errc::limit_exceeded);
            uid = list.next_uid++;
            changed = true;
        }
        present.emplace(f.base, uid);
        message_entry e;
        e.uid = uid;
        e.uidl = fmt::format("{:08x}{:08x}", list.uidvalidity, uid);
        e.crlf_size = crlf_size;
        e.path = std::move(f.path);
        out.push_back(std::move(e));
    }
    if (present.size() != list.uids.size()) changed = true;  // messages gone since the last scan
    list.uids = std::move(present);

    if (changed)
        if (auto ec = replace_file_durably(list_path, list.serialize())) return ec;
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.uid < b.uid; });
    return out;
}

result<std::string> maildir::read(const message_entry& m) const {
    auto content = read_whole_file(m.path);
    if (content || content.error() != errc::not_found) return content;
    // Another client may have moved it between new/ and cur/ or changed its
    // flags: look for the same base name.
    const std::string base(maildir_base_name(m.path.filename().string()));
    auto files = list_messages(root_);
    if (!files) return files.error();
    for (const auto& f : *files)
        if (f.base == base) return read_whole_file(f.path);
    return make_error_code(errc::not_found);
}

std::error_code maildir::remove(const mailbox_lock& lock, const std::vector<message_entry>& msgs) const {
    if (!lock.held()) return make_error_code(errc::invalid_argument);
    std::optional<std::vector<found_file>> now_present;  // listed only if a file has moved
    for (const auto& m : msgs) {
        if (::unlink(m.path.c_str()) == 0) continue;
        if (errno != ENOENT) return errno_code();
        if (!now_present) {
            auto files = list_messages(root_);
            if (!files) return files.error();
            now_present = std::move(*files);
        }
        const std::string base(maildir_base_name(m.path.filename().string()));
        for (const auto& f : *now_present)
            if (f.base == base && ::unlink(f.path.c_str()) != 0 && errno != ENOENT) return errno_code();
    }
    for (const char* sub : {"new", "cur"})
        if (auto ec = sync_directory(root_ / sub); ec && ec != std::errc::no_such_file_or_directory) return ec;
    return {};
}

fs::path mailbox_path(const fs::path& mail_root, std::string_view address) {
    const auto at = address.rfind('@');
    return mail_root / std::string(address.substr(at + 1)) / std::string(address.substr(0, at));
}

}  // namespace mailroom::storage
