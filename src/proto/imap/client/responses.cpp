#include "proto/imap/client/responses.hpp"

#include <charconv>

namespace mailroom::imap::client {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t n = 0;
    if (s.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return n;
}

std::string upper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

}  // namespace

std::optional<list_entry> parse_list(const response& r) {
    const auto& d = r.data;
    if (r.tagged || d.size() != 4 || !(d[0].is_atom("LIST") || d[0].is_atom("LSUB"))) return std::nullopt;
    if (d[1].what != value::kind::list) return std::nullopt;
    list_entry e;
    for (const auto& a : d[1].items) {
        if (a.what != value::kind::atom) return std::nullopt;
        e.attributes.push_back(a.text);
    }
    if (d[2].what == value::kind::string && d[2].text.size() == 1) e.delimiter = d[2].text;
    else if (d[2].what != value::kind::nil) return std::nullopt;
    auto name = d[3].as_string();
    if (!name) return std::nullopt;
    e.name = std::move(*name);
    return e;
}

std::optional<status_entry> parse_status(const response& r) {
    const auto& d = r.data;
    if (r.tagged || d.size() != 3 || !d[0].is_atom("STATUS") || d[2].what != value::kind::list) return std::nullopt;
    status_entry e;
    auto name = d[1].as_string();
    if (!name) return std::nullopt;
    e.mailbox = std::move(*name);
    const auto& items = d[2].items;
    if (items.size() % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        if (items[i].what != value::kind::atom || items[i + 1].what != value::kind::number) return std::nullopt;
        e.items.emplace_back(upper(items[i].text), items[i + 1].number);
    }
    return e;
}

std::optional<std::vector<std::uint64_t>> parse_search(const response& r) {
    const auto& d = r.data;
    if (r.tagged || d.empty() || !d[0].is_atom("SEARCH")) return std::nullopt;
    std::vector<std::uint64_t> out;
    for (std::size_t i = 1; i < d.size(); ++i) {
        if (d[i].what == value::kind::list) continue;  // RFC 7162 §3.1.5: (MODSEQ n)
        if (d[i].what != value::kind::number) return std::nullopt;
        out.push_back(d[i].number);
    }
    return out;
}

std::optional<esearch_result> parse_esearch(const response& r) {
    const auto& d = r.data;
    if (r.tagged || d.empty() || !d[0].is_atom("ESEARCH")) return std::nullopt;
    esearch_result e;
    std::size_t i = 1;
    if (i < d.size() && d[i].what == value::kind::list) {  // search-correlator: (TAG "A3")
        const auto& c = d[i].items;
        if (c.size() != 2 || !c[0].is_atom("TAG") || !c[1].as_string()) return std::nullopt;
        e.tag = *c[1].as_string();
        ++i;
    }
    if (i < d.size() && d[i].is_atom("UID")) {
        e.uid = true;
        ++i;
    }
    for (; i + 1 < d.size(); i += 2) {
        const auto name = upper(d[i].text);
        const auto& v = d[i + 1];
        if (name == "ALL") {
            if (!v.as_string()) return std::nullopt;
            e.all = *v.as_string();
        } else if (v.what == value::kind::number) {
            if (name == "MIN") e.min = v.number;
            else if (name == "MAX") e.max = v.number;
            else if (name == "COUNT") e.count = v.number;
        }
    }
    if (i != d.size()) return std::nullopt;
    return e;
}

std::optional<fetch_entry> parse_fetch(const response& r) {
    const auto& d = r.data;
    if (r.tagged || d.size() != 3 || d[0].what != value::kind::number || !d[1].is_atom("FETCH") ||
        d[2].what != value::kind::list)
        return std::nullopt;
    fetch_entry e;
    e.seq = d[0].number;
    const auto& items = d[2].items;
    if (items.size() % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        const auto& k = items[i];
        const auto& v = items[i + 1];
        if (k.what != value::kind::atom) return std::nullopt;
        if (k.is_atom("UID") && v.what == value::kind::number) e.uid = v.number;
        else if (k.is_atom("RFC822.SIZE") && v.what == value::kind::number) e.size = v.number;
        else if (k.is_atom("INTERNALDATE") && v.what == value::kind::string) e.internal_date = v.text;
        else if (k.is_atom("FLAGS") && v.what == value::kind::list) {
            for (const auto& f : v.items)
                if (f.what == value::kind::atom) e.flags.push_back(f.text);
        } else if (v.what == value::kind::streamed) {
            e.has_body = true;
        }
    }
    return e;
}

std::optional<std::uint64_t> code_number(const std::string& code, const std::string& args, const std::string& want) {
    if (code != want) return std::nullopt;
    return number(args);
}

std::optional<append_uid> parse_appenduid(const std::string& code, const std::string& args) {
    if (code != "APPENDUID") return std::nullopt;
    const auto sp = args.find(' ');
    if (sp == std::string::npos) return std::nullopt;
    auto v = number(std::string_view(args).substr(0, sp));
    auto u = number(std::string_view(args).substr(sp + 1));  // one message appended: a single UID
    if (!v || !u) return std::nullopt;
    return append_uid{*v, *u};
}

std::optional<std::vector<std::uint64_t>> expand_set(const std::string& set, std::size_t max_count) {
    std::vector<std::uint64_t> out;
    std::size_t pos = 0;
    while (pos <= set.size()) {
        auto end = set.find(',', pos);
        if (end == std::string::npos) end = set.size();
        const std::string_view part = std::string_view(set).substr(pos, end - pos);
        const auto colon = part.find(':');
        auto lo = number(part.substr(0, colon));
        auto hi = colon == std::string_view::npos ? lo : number(part.substr(colon + 1));
        if (!lo || !hi) return std::nullopt;
        if (*lo > *hi) std::swap(*lo, *hi);  // RFC 9051 §9: 4:2 is 2:4
        if (*hi - *lo >= max_count - out.size() || out.size() >= max_count) return std::nullopt;
        for (auto n = *lo; n <= *hi; ++n) out.push_back(n);
        pos = end + 1;
    }
    return out;
}

}  // namespace mailroom::imap::client
