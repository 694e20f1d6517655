// Search query parsing and matching for the sandbox's HTTP API (see
// http_api_search.hpp).
#include "sandbox/http_api_search.hpp"

#include <algorithm>
#include <charconv>

#include "mail/mime/casemap.hpp"

namespace mailroom::sandbox {

namespace {

bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::size_t> parse_count(std::string_view s) {
    if (!is_digits(s) || s.size() > 9) return std::nullopt;
    std::size_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<mime::civil_date> parse_iso_date(std::string_view t) {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    auto y = t.substr(0, 4), m = t.substr(5, 2), d = t.substr(8, 2);
    if (!is_digits(y) || !is_digits(m) || !is_digits(d)) return std::nullopt;
    mime::civil_date out;
    std::from_chars(y.data(), y.data() + 4, out.year);
    std::from_chars(m.data(), m.data() + 2, out.month);
    std::from_chars(d.data(), d.data() + 2, out.day);
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (out.month < 1 || out.month > 12 || out.day < 1) return std::nullopt;
    unsigned max = days[out.month - 1] + (out.month == 2 && leap(out.year) ? 1 : 0);
    if (out.day > max) return std::nullopt;
    return out;
}

std::variant<message_search, search_error> parse_search(const std::vector<http::query_param>& query,
                                                        const search_limits& lim,
                                                        const std::vector<std::string_view>& also_allowed) {
    message_search s;
    s.limit = lim.default_limit;
    std::vector<std::string_view> seen;
    for (const auto& p : query) {
        if (std::find(seen.begin(), seen.end(), p.name) != seen.end())
            return search_error{"parameter '" + p.name + "' given twice"};
        seen.push_back(p.name);
        std::optional<std::string>* term = nullptr;
        if (p.name == "from") term = &s.from;
        else if (p.name == "to") term = &s.to;
        else if (p.name == "subject") term = &s.subject;
        else if (p.name == "text") term = &s.text;
        if (term) {
            if (p.value.empty()) return search_error{"parameter '" + p.name + "' is empty"};
            if (p.value.size() > lim.max_term_bytes) return search_error{"parameter '" + p.name + "' is too long"};
            *term = p.value;
        } else if (p.name == "since" || p.name == "before") {
            auto d = parse_iso_date(p.value);
            if (!d) return search_error{"parameter '" + p.name + "' is not a date YYYY-MM-DD"};
            (p.name == "since" ? s.since : s.before) = d;
        } else if (p.name == "limit" || p.name == "offset") {
            auto n = parse_count(p.value);
            if (!n) return search_error{"parameter '" + p.name + "' is not a number"};
            if (p.name == "limit" && (*n == 0 || *n > lim.max_limit))
                return search_error{"parameter 'limit' must be 1 to " + std::to_string(lim.max_limit)};
            (p.name == "limit" ? s.limit : s.offset) = *n;
        } else if (std::find(also_allowed.begin(), also_allowed.end(), p.name) != also_allowed.end()) {
            s.ignored.push_back(p.name);
        } else {
            return search_error{"unknown parameter '" + p.name + "'"};
        }
    }
    return s;
}

bool search_matches(const message_search& s, const search_facts& f) {
    auto term = [](const std::optional<std::string>& t, const std::string& in) {
        return !t || mime::casemap_contains(in, *t);
    };
    if (!term(s.from, f.from) || !term(s.to, f.to) || !term(s.subject, f.subject) || !term(s.text, f.text))
        return false;
    // A message without a usable Date: matches no date criterion (as IMAP's SENT*).
    if (s.since && (!f.date || *f.date < *s.since)) return false;
    if (s.before && (!f.date || !(*f.date < *s.before))) return false;
    return true;
}

}  // namespace mailroom::sandbox
