#include "store/maildir/dovecot_uidlist.hpp"

#include <charconv>
#include <cstdint>

#include "common/errors.hpp"
#include "store/maildir/names.hpp"

namespace mailroom::store::maildir {
namespace {

std::optional<std::uint32_t> number(std::string_view s) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// The next space-separated word of s (consumed); empty at the end.
std::string_view word(std::string_view& s) {
    auto sp = s.find(' ');
    auto w = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return w;
}

struct header {
    unsigned version = 0;
    std::uint32_t uidvalidity = 0, next_uid = 0;
};

std::optional<header> parse_header(std::string_view line) {
    header h;
    auto v = number(word(line));
    if (!v || (*v != 1 && *v != 3)) return std::nullopt;
    h.version = *v;
    if (h.version == 1) {
        auto uv = number(word(line)), n = number(word(line));
        if (!uv || !n || !line.empty()) return std::nullopt;
        h.uidvalidity = *uv, h.next_uid = *n;
    } else {
        // Fields are a letter and a value; those other than V and N (G: the
        // mailbox GUID) are Dovecot's own.
        while (!line.empty()) {
            auto f = word(line);
            if (f.empty()) return std::nullopt;
            if (f[0] == 'V' || f[0] == 'N') {
                auto n = number(f.substr(1));
                if (!n) return std::nullopt;
                (f[0] == 'V' ? h.uidvalidity : h.next_uid) = *n;
            }
        }
    }
    if (h.uidvalidity == 0) return std::nullopt;
    return h;
}

}  // namespace

std::optional<storage::uidlist> parse_dovecot_uidlist(std::string_view text) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    auto h = parse_header(text.substr(0, nl));
    if (!h) return std::nullopt;
    text.remove_prefix(nl + 1);
    storage::uidlist out;
    out.uidvalidity = h->uidvalidity;
    std::uint32_t last = 0;
    while (!text.empty()) {
        nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;  // torn last line
        auto line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        auto uid = number(word(line));
        if (!uid || *uid <= last || *uid == UINT32_MAX) return std::nullopt;
        std::string_view name;
        if (h->version == 1) {
            name = line;
        } else {
            // Extension fields (W<size>, S<size>, G<guid>, ...) up to ':'.
            auto colon = line.find(':');
            if (colon == std::string_view::npos || (colon > 0 && line[colon - 1] != ' ')) return std::nullopt;
            name = line.substr(colon + 1);
        }
        name = base_name(name);
        if (name.empty() || name.find('/') != std::string_view::npos || name.find(' ') != std::string_view::npos)
            return std::nullopt;
        if (!out.uids.emplace(std::string(name), *uid).second) return std::nullopt;
        last = *uid;
    }
    out.next_uid = std::max(h->next_uid, last + 1);
    if (out.next_uid == 0) out.next_uid = 1;
    return out;
}

result<std::optional<storage::uidlist>> read_dovecot_uidlist(durable::file_system& fs,
                                                             const std::filesystem::path& dir) {
    auto text = fs.read_file(dir / dovecot_uidlist_file);
    if (!text) {
        if (text.error() == errc::not_found) return std::optional<storage::uidlist>{};
        return text.error();
    }
    return parse_dovecot_uidlist(*text);
}

}  // namespace mailroom::store::maildir
