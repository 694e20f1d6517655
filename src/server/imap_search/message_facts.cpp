// imap_search::facts_of: header fields decoded and reduced to sort and thread keys.
#include "server/imap_search/message_facts.hpp"

#include <array>
#include <cctype>

#include "mail/mime/casemap.hpp"
#include "mail/mime/envelope.hpp"
#include "mail/mime/search_text.hpp"
#include "server/imap_search/base_subject.hpp"

namespace mailroom::imap_search {
namespace {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct cursor {
    std::string_view s;
    std::size_t i = 0;
    void skip() {
        // white space and comments (RFC 5322 CFWS, one level of nesting is enough here)
        for (;;) {
            while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
            if (i < s.size() && s[i] == '(') {
                int depth = 0;
                for (; i < s.size(); ++i) {
                    if (s[i] == '(') ++depth;
                    else if (s[i] == ')' && --depth == 0) {
                        ++i;
                        break;
                    }
                }
                continue;
            }
            return;
        }
    }
    std::optional<int> number(std::size_t max_digits) {
        skip();
        std::size_t n = 0;
        int v = 0;
        while (i < s.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(s[i])))
            v = v * 10 + (s[i++] - '0'), ++n;
        if (n == 0) return std::nullopt;
        return v;
    }
    std::string word() {
        skip();
        std::string w;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i++])));
        return w;
    }
    bool eat(char c) {
        skip();
        if (i < s.size() && s[i] == c) return ++i, true;
        return false;
    }
};

std::string first_mailbox(const std::vector<mime::address>& list) {
    for (const auto& a : list)
        if (a.mailbox && a.host) return mime::casemap_key(*a.mailbox);
    return {};
}

std::string display_key(const std::vector<mime::address>& list) {
    for (const auto& a : list) {
        if (!a.mailbox || !a.host) continue;
        if (a.name && !a.name->empty()) return mime::casemap_key(mime::decode_header_text(*a.name));
        return mime::casemap_key(*a.mailbox + "@" + *a.host);
    }
    return {};
}

}  // namespace

std::optional<std::int64_t> parse_date_header(std::string_view value) {
    static constexpr std::array<std::string_view, 12> months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                                "jul", "aug", "sep", "oct", "nov", "dec"};
    cursor c{value};
    auto w = c.word();
    if (!w.empty()) c.eat(',');  // day-of-week
    const auto day = c.number(2);
    const auto mon = c.word();
    const auto year = c.number(4);
    if (!day || !year) return std::nullopt;
    unsigned month = 0;
    for (unsigned k = 0; k < 12; ++k)
        if (mon.starts_with(months[k])) month = k + 1;
    if (month == 0 || *day < 1 || *day > 31) return std::nullopt;
    int y = *year;
    if (y < 50) y += 2000;  // RFC 5322 §4.3 two-digit years
    else if (y < 1000) y += 1900;
    const auto hour = c.number(2);
    if (!hour || !c.eat(':')) return std::nullopt;
    const auto minute = c.number(2);
    if (!minute) return std::nullopt;
    int second = 0;
    if (c.eat(':')) {
        const auto sec = c.number(2);
        if (!sec) return std::nullopt;
        second = *sec;
    }
    if (*hour > 23 || *minute > 59 || second > 60) return std::nullopt;
    int zone = 0;  // minutes east
    c.skip();
    if (c.i < value.size() && (value[c.i] == '+' || value[c.i] == '-')) {
        const bool west = value[c.i++] == '-';
        std::size_t n = 0;
        int v = 0;
        while (c.i < value.size() && n < 4 && std::isdigit(static_cast<unsigned char>(value[c.i])))
            v = v * 10 + (value[c.i++] - '0'), ++n;
        if (n == 4) zone = (v / 100 * 60 + v % 100) * (west ? -1 : 1);
    } else {
        const auto z = c.word();  // RFC 5322 §4.3 obs-zone; military and unknown zones are +0000
        if (z == "est") zone = -300;
        else if (z == "edt" || z == "cst") zone = z == "edt" ? -240 : -360;
        else if (z == "cdt" || z == "mst") zone = z == "cdt" ? -300 : -420;
        else if (z == "mdt" || z == "pst") zone = z == "mdt" ? -360 : -480;
        else if (z == "pdt") zone = -420;
    }
    const auto days = days_from_civil(y, month, static_cast<unsigned>(*day));
    return days * 86400 + *hour * 3600 + *minute * 60 + second - zone * 60;
}

std::vector<std::string> message_ids(std::string_view value) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; (i = value.find('<', i)) != std::string_view::npos;) {
        const auto end = value.find('>', i);
        if (end == std::string_view::npos) break;
        std::string id;
        for (auto k = i + 1; k < end; ++k)
            if (value[k] != ' ' && value[k] != '\t' && value[k] != '\r' && value[k] != '\n') id += value[k];
        if (!id.empty()) ids.push_back(std::move(id));
        i = end + 1;
    }
    return ids;
}

message_facts facts_of(std::string_view header, const imap::message_state& m, std::uint32_t seq) {
    message_facts f;
    f.seq = seq;
    f.size = m.size;
    f.arrival = m.internal_date;
    const auto env = mime::envelope_from_header(header);
    f.sent = m.internal_date;
    if (env.date)
        if (auto d = parse_date_header(*env.date)) f.sent = *d;
    auto base = base_subject(env.subject ? mime::decode_header_text(*env.subject) : std::string());
    f.subject = mime::casemap_key(base.text);
    f.reply = base.reply;
    // RFC 5256 §3 FROM/TO/CC: the addr-mailbox of the first address.
    f.from = first_mailbox(env.from);
    f.to = first_mailbox(env.to);
    f.cc = first_mailbox(env.cc);
    f.display_from = display_key(env.from);
    f.display_to = display_key(env.to);
    if (env.message_id) {
        auto ids = message_ids(*env.message_id);
        if (!ids.empty()) f.message_id = std::move(ids.front());
    }
    for (const auto& v : mime::header_field_values(header, "References")) {
        auto ids = message_ids(v);
        f.references.insert(f.references.end(), ids.begin(), ids.end());
    }
    if (f.references.empty() && env.in_reply_to) {
        auto ids = message_ids(*env.in_reply_to);
        if (!ids.empty()) f.references.push_back(std::move(ids.front()));
    }
    return f;
}

}  // namespace mailroom::imap_search
