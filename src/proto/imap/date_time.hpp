// imap::date and imap::date_time: the dates of SEARCH (date, RFC 9051 §9)
// and of APPEND (date-time "dd-Mon-yyyy hh:mm:ss +zzzz"), validated
// (days of the month, leap years, zone bounds). Used by the typed parser;
// the session engine converts them to its clock.
#pragma once

#include <optional>
#include <string_view>

namespace mailroom::imap {

struct date {
    int year = 1970;  // 4 digits
    int month = 1;    // 1..12
    int day = 1;      // 1..31, valid for the month
    friend bool operator==(const date&, const date&) = default;
};

struct date_time {
    imap::date day;
    int hour = 0, minute = 0, second = 0;
    int zone_minutes = 0;  // east of UTC: "+0130" is 90, "-0800" is -480
    friend bool operator==(const date_time&, const date_time&) = default;
};

// date-text "1-Feb-2024" / "01-feb-2024" (month case-insensitive).
// nullopt for anything else or an impossible day.
std::optional<date> parse_date(std::string_view text);
// date-time without its quotes: "17-Jul-1996 02:44:25 -0700", the day
// SP-padded (" 7-Jul-1996") or two digits.
std::optional<date_time> parse_date_time(std::string_view text);

}  // namespace mailroom::imap
