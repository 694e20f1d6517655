#include "storage/uidlist.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

namespace mailroom::storage {
namespace {

std::optional<std::uint32_t> number(std::string_view s) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<uidlist> uidlist::parse(std::string_view text) {
    uidlist out;
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    auto header = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    auto sp = header.find(' ');
    if (sp == std::string_view::npos || sp + 1 >= header.size() || header[0] != 'V' || header[sp + 1] != 'N')
        return std::nullopt;
    auto v = number(header.substr(1, sp - 1));
    auto n = number(header.substr(sp + 2));
    if (!v || !n || *n == 0) return std::nullopt;
    out.uidvalidity = *v;
    out.next_uid = *n;
    while (!text.empty()) {
        nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;  // torn last line
        auto line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        const bool appended = line.starts_with("+");
        if (appended) line.remove_prefix(1);
        else if (out.appended > 0) return std::nullopt;  // "+" lines come last
        sp = line.find(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        auto uid = number(line.substr(0, sp));
        auto name = line.substr(sp + 1);
        if (!uid || *uid == 0 || name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
        if (appended) {
            if (*uid < out.next_uid || *uid == UINT32_MAX) return std::nullopt;
            out.next_uid = *uid + 1;
            ++out.appended;
        } else if (*uid >= out.next_uid) {
            return std::nullopt;
        }
        // A delivery may append a name that a sync numbered a moment before
        // (the file was visible first): the first UID stands, the later one
        // stays used up.
        if (!out.uids.emplace(std::string(name), *uid).second && !appended) return std::nullopt;
    }
    return out;
}

std::string uidlist::serialize() const {
    std::string out = "V" + std::to_string(uidvalidity) + " N" + std::to_string(next_uid) + "\n";
    std::vector<std::pair<std::uint32_t, std::string_view>> by_uid;
    by_uid.reserve(uids.size());
    for (const auto& [name, uid] : uids) by_uid.emplace_back(uid, name);
    std::sort(by_uid.begin(), by_uid.end());
    for (const auto& [uid, name] : by_uid) {
        out += std::to_string(uid);
        out += ' ';
        out += name;
        out += '\n';
    }
    return out;
}

std::string uidlist::append_line(std::uint32_t uid, std::string_view base_name) {
    return "+" + std::to_string(uid) + " " + std::string(base_name) + "\n";
}

std::string_view maildir_base_name(std::string_view file_name) { return file_name.substr(0, file_name.find(':')); }

}  // namespace mailroom::storage
