#include "storage/uidlist.hpp"

#include <charconv>

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
        sp = line.find(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        auto uid = number(line.substr(0, sp));
        auto name = line.substr(sp + 1);
        if (!uid || *uid == 0 || *uid >= out.next_uid || name.empty() || name.find('/') != std::string_view::npos)
            return std::nullopt;
        if (!out.uids.emplace(std::string(name), *uid).second) return std::nullopt;
    }
    return out;
}

std::string uidlist::serialize() const {
    std::string out = "V" + std::to_string(uidvalidity) + " N" + std::to_string(next_uid) + "\n";
    for (const auto& [name, uid] : uids) out += std::to_string(uid) + " " + name + "\n";
    return out;
}

std::string_view maildir_base_name(std::string_view file_name) {
    return file_name.substr(0, file_name.find(':'));
}

}  // namespace mailroom::storage
