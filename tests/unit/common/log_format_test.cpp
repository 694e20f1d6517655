// json_log_line: the ids, component and fields split out of our text lines.
#include "common/log_format.hpp"

#include <gtest/gtest.h>

#include "common/log_field.hpp"

namespace mailroom {
namespace {

const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'796'518'923'456));  // 2026-12-06

TEST(log_format, SessionAndQueueIdsAndFields) {
    EXPECT_EQ(json_log_line(when, "info", "S1a 0123456789abcdef accepted from=<a@b.test> to=c@d.test size=42 user=-"),
              R"({"time":"2026-12-06T01:02:03.456Z","level":"info","component":"smtp","session":"S1a",)"
              R"("queue_id":"0123456789abcdef","message":"accepted from=<a@b.test> to=c@d.test size=42 user=-",)"
              R"("fields":{"from":"a@b.test","to":"c@d.test","size":42,"user":"-"}})");
}

TEST(log_format, QueueLinesAndOthers) {
    const auto q = json_log_line(when, "info", "00000000deadbeef to=<x@y.test> relay=local status=deferred (full)");
    EXPECT_NE(q.find(R"("component":"queue","queue_id":"00000000deadbeef","message":"to=<x@y.test> relay=local)"),
              std::string::npos)
        << q;
    EXPECT_NE(q.find(R"("fields":{"to":"x@y.test","relay":"local","status":"deferred"}})"), std::string::npos) << q;
    const auto s = json_log_line(when, "info", "listening name=smtp address=127.0.0.1:25 tls=none");
    EXPECT_EQ(s.find("session"), std::string::npos) << s;
    EXPECT_NE(s.find(R"("component":"server")"), std::string::npos) << s;
    EXPECT_NE(json_log_line(when, "warning", "dns timeout name=x type=1").find(R"("component":"dns")"),
              std::string::npos);
    // A hex word that is not 16 digits is no queue id.
    EXPECT_EQ(json_log_line(when, "info", "P2 abc login").find("queue_id"), std::string::npos);
}

TEST(log_format, TheFail2banLine) {
    const auto f = json_log_line(when, "warning", "P1a login failure penalty_ms=2000 ip=192.0.2.7");
    EXPECT_NE(f.find(R"("level":"warning","component":"pop3","session":"P1a","message":"login failure )"),
              std::string::npos)
        << f;
    EXPECT_NE(f.find(R"("fields":{"penalty_ms":2000,"ip":"192.0.2.7"}})"), std::string::npos) << f;
}

TEST(log_format, QuotedValuesAreDecodedAndEscapedForJson) {
    // What log_field writes for a hostile HELO, as a field and inside <>.
    const std::string helo = log_field("evil \"x\"\r\n ip=1.2.3.4");
    const std::string from = log_field("a b\\c@d");
    const auto j = json_log_line(when, "info", "S3 disconnect helo=" + helo + " from=<" + from + "> n=007");
    EXPECT_NE(j.find(R"("helo":"evil \"x\"\u000d\u000a ip=1.2.3.4")"), std::string::npos) << j;
    EXPECT_NE(j.find(R"("from":"a b\\c@d")"), std::string::npos) << j;
    EXPECT_NE(j.find(R"("n":"007")"), std::string::npos) << j;  // not a JSON number
    // No field is made of the words inside a quoted value.
    EXPECT_EQ(j.find(R"("ip":)"), std::string::npos) << j;
    // Control characters never reach the output raw.
    for (char c : j) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(log_format, BytesAboveAsciiStayAsWritten) {
    const auto j = json_log_line(when, "info", "I4 select mailbox=" + log_field("\xff\xfe"));
    EXPECT_NE(j.find(R"("mailbox":"\\xff\\xfe")"), std::string::npos) << j;
}

}  // namespace
}  // namespace mailroom
