// imap::date / date_time parsing with calendar validation (date_time.hpp).
#include "proto/imap/date_time.hpp"

#include <array>

#include "proto/common/keyword.hpp"

namespace mailroom::imap {
namespace {

constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// 1 to 4 digits (every field of a date is): longer runs would overflow.
std::optional<int> digits(std::string_view s) {
    if (s.empty() || s.size() > 4) return std::nullopt;
    int n = 0;
    for (const char c : s) {
        if (!is_digit(c)) return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

int days_in_month(int year, int month) noexcept {
    static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// "d-Mon-yyyy" with the day already stripped of its padding.
std::optional<date> parse_parts(std::string_view day, std::string_view mon, std::string_view year) {
    if (day.size() > 2 || year.size() != 4) return std::nullopt;
    const auto d = digits(day);
    const auto y = digits(year);
    if (!d || !y) return std::nullopt;
    int m = 0;
    for (std::size_t i = 0; i < month_names.size(); ++i)
        if (proto::keyword_equals(mon, month_names[i])) m = static_cast<int>(i) + 1;
    if (m == 0 || *d < 1 || *d > days_in_month(*y, m)) return std::nullopt;
    return date{*y, m, *d};
}

}  // namespace

// date-text = date-day "-" date-month "-" date-year (RFC 9051 §9).
std::optional<date> parse_date(std::string_view text) {
    const auto a = text.find('-');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = text.find('-', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    return parse_parts(text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1));
}

// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
// date-day-fixed = (SP DIGIT) / 2DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT;
// zone = ("+" / "-") 4DIGIT (RFC 9051 §9). Exactly 26 octets.
std::optional<date_time> parse_date_time(std::string_view t) {
    if (t.size() != 26 || t[2] != '-' || t[6] != '-' || t[11] != ' ' || t[14] != ':' || t[17] != ':' || t[20] != ' ')
        return std::nullopt;
    std::string_view day = t.substr(0, 2);
    if (day[0] == ' ') day.remove_prefix(1);
    const auto d = parse_parts(day, t.substr(3, 3), t.substr(7, 4));
    const auto hh = digits(t.substr(12, 2));
    const auto mm = digits(t.substr(15, 2));
    const auto ss = digits(t.substr(18, 2));
    const auto zh = digits(t.substr(22, 2));
    const auto zm = digits(t.substr(24, 2));
    if (!d || !hh || !mm || !ss || !zh || !zm || (t[21] != '+' && t[21] != '-')) return std::nullopt;
    // RFC 5322 §3.3 allows a leap second (60); zone minutes stay below 60.
    if (*hh > 23 || *mm > 59 || *ss > 60 || *zh > 23 || *zm > 59) return std::nullopt;
    const int zone = *zh * 60 + *zm;
    return date_time{*d, *hh, *mm, *ss, t[21] == '-' ? -zone : zone};
}

}  // namespace mailroom::imap
