#include "store/maildir/index_files.hpp"

#include <charconv>

namespace mailroom::store::maildir {
namespace {

template <class T>
std::optional<T> number(std::string_view s) {
    T v{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

// The next space-separated field of line (consumed), or nullopt at the end.
std::optional<std::string_view> field(std::string_view& line) {
    if (line.empty()) return std::nullopt;
    auto sp = line.find(' ');
    auto f = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    return f;
}

// Calls each(line) for every complete line; false if the text is torn.
template <class F>
bool for_each_line(std::string_view text, F each) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (nl == std::string_view::npos) return false;
        if (!each(text.substr(0, nl))) return false;
        text.remove_prefix(nl + 1);
    }
    return true;
}

template <class T>
std::optional<T> next_number(std::string_view& line) {
    auto f = field(line);
    if (!f) return std::nullopt;
    return number<T>(*f);
}

bool valid_info(std::string_view s) {
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    return true;
}

}  // namespace

bool valid_keyword(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (unsigned char c : name)  // RFC 9051 atom-specials, and no '\' (system flags)
        if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' ||
            c == '\\' || c == ']')
            return false;
    return true;
}

std::optional<std::vector<std::string>> parse_keywords(std::string_view text) {
    std::vector<std::string> out;
    const bool ok = for_each_line(text, [&](std::string_view line) {
        auto n = next_number<std::size_t>(line);
        if (!n || *n >= max_keywords || !valid_keyword(line)) return false;
        if (out.size() <= *n) out.resize(*n + 1);
        if (!out[*n].empty()) return false;
        out[*n] = std::string(line);
        return true;
    });
    if (!ok) return std::nullopt;
    return out;
}

std::string serialize_keywords(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!names[i].empty()) out += std::to_string(i) + " " + names[i] + "\n";
    return out;
}

std::optional<index_cache> index_cache::parse(std::string_view text) {
    index_cache out;
    bool header = true;
    const bool ok = for_each_line(text, [&](std::string_view line) {
        if (header) {
            header = false;
            if (field(line) != "mailroom-index" || field(line) != "1") return false;
            auto v = field(line), m = field(line);
            if (!v || !m || !v->starts_with("V") || !m->starts_with("M") || !line.empty()) return false;
            auto vv = number<std::uint32_t>(v->substr(1));
            auto mm = number<std::uint64_t>(m->substr(1));
            if (!vv || !mm) return false;
            out.uidvalidity = *vv;
            out.highest_modseq = *mm;
            return true;
        }
        auto uid = next_number<std::uint32_t>(line);
        auto modseq = next_number<std::uint64_t>(line);
        auto date = next_number<std::int64_t>(line);
        auto size = next_number<std::uint64_t>(line);
        auto crlf = next_number<std::uint64_t>(line);
        auto info = field(line);
        if (!uid || *uid == 0 || !modseq || *modseq > out.highest_modseq || !date || !size || !crlf || !info ||
            !line.empty())
            return false;
        if (*info == "-") *info = {};
        else if (!valid_info(*info)) return false;
        return out.messages.emplace(*uid, cached_message{*modseq, *date, *size, *crlf, std::string(*info)}).second;
    });
    if (!ok || header) return std::nullopt;
    return out;
}

std::string index_cache::serialize() const {
    std::string out = "mailroom-index 1 V" + std::to_string(uidvalidity) + " M" + std::to_string(highest_modseq) + "\n";
    for (const auto& [uid, m] : messages)
        out += std::to_string(uid) + " " + std::to_string(m.modseq) + " " + std::to_string(m.internal_date) + " " +
               std::to_string(m.size) + " " + std::to_string(m.crlf_size) + " " + (m.info.empty() ? "-" : m.info) +
               "\n";
    return out;
}

}  // namespace mailroom::store::maildir
