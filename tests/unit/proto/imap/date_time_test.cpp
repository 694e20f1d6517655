#include "proto/imap/date_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailroom::imap {
namespace {

TEST(ImapDate, SearchDates) {
    EXPECT_EQ(parse_date("1-Feb-2024"), (date{2024, 2, 1}));
    EXPECT_EQ(parse_date("01-feb-2024"), (date{2024, 2, 1}));
    EXPECT_EQ(parse_date("29-FEB-2024"), (date{2024, 2, 29}));  // leap year
    EXPECT_EQ(parse_date("29-Feb-2000"), (date{2000, 2, 29}));
    EXPECT_EQ(parse_date("31-Dec-1999"), (date{1999, 12, 31}));
    for (const std::string bad :
         {"29-Feb-2023", "29-Feb-1900", "31-Apr-2024", "0-Jan-2024", "32-Jan-2024", "001-Jan-2024", "1-Jan-24",
          "1-Jan-20245", "1-Foo-2024", "1 Jan 2024", "1-Jan-", "-Jan-2024", "", "1-January-2024", "a-Jan-2024",
          "1-Jan-99999999999999999999", "99999999999999999999-Jan-2024"})
        EXPECT_FALSE(parse_date(bad)) << bad;
}

TEST(ImapDate, AppendDateTimes) {
    EXPECT_EQ(parse_date_time("17-Jul-1996 02:44:25 -0700"), (date_time{{1996, 7, 17}, 2, 44, 25, -420}));
    EXPECT_EQ(parse_date_time(" 7-Jul-1996 23:59:60 +0130"), (date_time{{1996, 7, 7}, 23, 59, 60, 90}));
    EXPECT_EQ(parse_date_time("07-jul-1996 00:00:00 +0000"), (date_time{{1996, 7, 7}, 0, 0, 0, 0}));
    for (const std::string bad :
         {"7-Jul-1996 02:44:25 -0700", "17-Jul-1996 24:00:00 +0000", "17-Jul-1996 02:60:00 +0000",
          "17-Jul-1996 02:44:61 +0000", "17-Jul-1996 02:44:25 0700", "17-Jul-1996 02:44:25 +0760",
          "17-Jul-1996 02:44:25 +2400", "31-Jun-1996 02:44:25 +0000", "17-Jul-1996T02:44:25 +0000",
          "17-Jul-1996 02:44:25 +07000", "17-Jul-1996 2:44:25 +0700", "", "17-Xyz-1996 02:44:25 +0000"})
        EXPECT_FALSE(parse_date_time(bad)) << bad;
}

}  // namespace
}  // namespace mailroom::imap
