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

// "new/<name>" or "cur/<name>": one file name, no line end.
bool valid_file(std::string_view s) {
    if (!(s.starts_with("new/") || s.starts_with("cur/")) || s.size() == 4) return false;
    return s.find_first_of(std::string_view("/\n\r\0", 4), 4) == std::string_view::npos && s[4] != '.';
}

bool parse_stamps(std::string_view s, index_cache& out) {
    std::int64_t v[5];
    for (auto& x : v) {
        auto comma = s.find(',');
        auto n = number<std::int64_t>(s.substr(0, comma));
        if (!n || *n < 0) return false;
        x = *n;
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        if ((&x == &v[4]) != (comma == std::string_view::npos)) return false;
    }
    if (v[4] == 0 || v[4] > UINT32_MAX) return false;
    out.stamps = maildir_stamps{v[0], v[1], v[2], static_cast<std::uint64_t>(v[3])};
    out.next_uid = static_cast<std::uint32_t>(v[4]);
    return true;
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

std::vector<uid_range> to_ranges(const std::vector<std::uint32_t>& ascending) {
    std::vector<uid_range> out;
    for (auto uid : ascending) {
        if (!out.empty() && out.back().last + 1 == uid) out.back().last = uid;
        else out.push_back({uid, uid});
    }
    return out;
}

std::string serialize_uid_set(const std::vector<uid_range>& ranges) {
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty()) out += ',';
        out += std::to_string(r.first);
        if (r.last != r.first) out += ':' + std::to_string(r.last);
    }
    return out;
}

std::optional<std::vector<uid_range>> parse_uid_set(std::string_view text) {
    std::vector<uid_range> out;
    if (text.empty()) return std::nullopt;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto piece = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (comma != std::string_view::npos && text.empty()) return std::nullopt;
        auto colon = piece.find(':');
        auto first = number<std::uint32_t>(piece.substr(0, colon));
        auto last = colon == std::string_view::npos ? first : number<std::uint32_t>(piece.substr(colon + 1));
        if (!first || !last || *first == 0 || *last < *first || (colon != std::string_view::npos && *last == *first))
            return std::nullopt;
        if (!out.empty() && *first <= out.back().last + 1) return std::nullopt;  // canonical: ascending, apart
        out.push_back({*first, *last});
    }
    return out;
}

void index_cache::add_expunged(std::uint64_t modseq, const std::vector<std::uint32_t>& uids) {
    if (uids.empty()) return;
    expunged.push_back({modseq, to_ranges(uids)});
    while (expunged.size() > max_expunge_records) {
        expunge_floor = expunged.front().modseq;
        expunged.erase(expunged.begin());
    }
}

std::optional<index_cache> index_cache::parse(std::string_view text) {
    index_cache out;
    bool header = true;
    unsigned version = 0;
    const bool ok = for_each_line(text, [&](std::string_view line) {
        if (header) {
            header = false;
            if (field(line) != "mailroom-index") return false;
            auto ver = field(line);
            version = ver == "1" ? 1 : ver == "2" ? 2 : ver == "3" ? 3 : 0;
            if (!version) return false;
            auto v = field(line), m = field(line);
            if (!v || !m || !v->starts_with("V") || !m->starts_with("M")) return false;
            auto vv = number<std::uint32_t>(v->substr(1));
            auto mm = number<std::uint64_t>(m->substr(1));
            if (!vv || !mm) return false;
            out.uidvalidity = *vv;
            out.highest_modseq = *mm;
            out.expunge_floor = *mm;  // version 1 kept no expunges
            if (version >= 2) {
                auto e = field(line);
                if (!e || !e->starts_with("E")) return false;
                auto ee = number<std::uint64_t>(e->substr(1));
                if (!ee || *ee > *mm) return false;
                out.expunge_floor = *ee;
                auto r = field(line);
                if (r && r->starts_with("R")) {
                    auto rr = number<std::uint32_t>(r->substr(1));
                    if (!rr || *rr == 0) return false;
                    out.first_recent = *rr;
                    r = field(line);
                }
                if (r && version >= 3 && r->starts_with("S")) {
                    if (!parse_stamps(r->substr(1), out)) return false;
                    r = field(line);
                }
                if (r) return false;
            }
            return line.empty();
        }
        if (version >= 2 && line.starts_with("x ")) {
            line.remove_prefix(2);
            auto modseq = next_number<std::uint64_t>(line);
            auto set = parse_uid_set(line);
            const std::uint64_t after = out.expunged.empty() ? out.expunge_floor : out.expunged.back().modseq;
            if (!modseq || *modseq <= after || *modseq > out.highest_modseq || !set ||
                out.expunged.size() >= max_expunge_records)
                return false;
            out.expunged.push_back({*modseq, std::move(*set)});
            return true;
        }
        if (!out.expunged.empty()) return false;  // messages come first
        auto uid = next_number<std::uint32_t>(line);
        auto modseq = next_number<std::uint64_t>(line);
        auto date = next_number<std::int64_t>(line);
        auto size = next_number<std::uint64_t>(line);
        auto crlf = next_number<std::uint64_t>(line);
        auto info = field(line);
        if (!uid || *uid == 0 || !modseq || *modseq > out.highest_modseq || !date || !size || !crlf || !info)
            return false;
        std::string_view file;
        if (version >= 3) {
            if (line != "-" && !valid_file(line)) return false;
            if (line != "-") file = line;
        } else if (!line.empty()) {
            return false;
        }
        if (*info == "-") *info = {};
        else if (!valid_info(*info)) return false;
        if (out.stamps && *uid >= out.next_uid) return false;
        return out.messages
            .emplace(*uid,
                     cached_message{*modseq, *date, *size, *crlf, std::string(*info), version < 3, std::string(file)})
            .second;
    });
    if (!ok || header) return std::nullopt;
    return out;
}

std::string index_cache::serialize() const {
    std::string out = "mailroom-index 3 V" + std::to_string(uidvalidity) + " M" + std::to_string(highest_modseq) +
                      " E" + std::to_string(expunge_floor);
    if (first_recent) out += " R" + std::to_string(first_recent);
    if (stamps)
        out += " S" + std::to_string(stamps->new_ns) + "," + std::to_string(stamps->cur_ns) + "," +
               std::to_string(stamps->uidlist_ns) + "," + std::to_string(stamps->uidlist_size) + "," +
               std::to_string(next_uid);
    out += "\n";
    for (const auto& [uid, m] : messages) {
        out += std::to_string(uid) + " " + std::to_string(m.modseq) + " " + std::to_string(m.internal_date) + " " +
               std::to_string(m.size) + " " + std::to_string(m.crlf_size) + " " + (m.info.empty() ? "-" : m.info) + " ";
        out += valid_file(m.file) ? m.file : std::string("-");
        out += "\n";
    }
    for (const auto& x : expunged) out += "x " + std::to_string(x.modseq) + " " + serialize_uid_set(x.uids) + "\n";
    return out;
}

}  // namespace mailroom::store::maildir
