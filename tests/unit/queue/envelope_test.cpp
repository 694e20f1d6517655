#include "queue/envelope.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "queue/detail/checksum.hpp"

namespace mailroom::queue {
namespace {

using namespace std::chrono_literals;
using std::string_literals::operator""s;

envelope hostile() {
    envelope e;
    e.id = "0123456789abcdef";
    e.sender = "evil\r\nrcpt x\0y%41 %2D-@example.test"s;
    e.envid = "-";
    e.ret = envelope::ret_kind::headers;
    e.smtputf8 = true;
    e.eight_bit = true;
    e.client_address = "%";
    e.helo = "end 0000000000000000\n";
    e.auth_user = std::string("\xff\x00\x7f\x80 \t", 6);
    e.arrived = std::chrono::system_clock::time_point(1700000000123456789ns);
    e.attempts = 4294967295u;
    e.next_attempt = std::chrono::system_clock::time_point(-5ns);
    e.recipients = {
        {"bob@example.test", "rfc822;bob@example.test", 1 | 2 | 4, recipient::status::pending, "", "", "", {}},
        {"", "", 8, recipient::status::delivered, "-", "", "", {}},
        {"j\xc3\xb6rg@b\xc3\xbcro.test",
         " ",
         0,
         recipient::status::failed,
         "550 5.1.1 no such user\r\n550 and more\n",
         "",
         "",
         {}},
    };
    e.recipients[2].remote_mta = "mx 1.example.test\r\n";
    e.recipients[2].dsn_status = "-";
    e.recipients[2].last_attempt = std::chrono::system_clock::time_point(1700000300987654321ns);
    e.recipients[1].success_notice = recipient::success_kind::relayed;
    e.recipients[1].reported = true;
    e.recipients[2].success_notice = recipient::success_kind::delivered;
    e.delay_warned = true;
    return e;
}

TEST(queue_envelope, DefaultRoundTrips) {
    envelope e;
    e.recipients.push_back({});
    auto back = parse_envelope(serialize_envelope(e));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
    auto none = parse_envelope(serialize_envelope(envelope{}));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->recipients.empty());
}

TEST(queue_envelope, HostileFieldsRoundTripAndStayOnTheirLines) {
    const auto e = hostile();
    const auto text = serialize_envelope(e);
    // Printable ASCII lines only: nothing in a field can start a new line.
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(c == '\n' || (u >= 0x20 && u < 0x7f)) << int(u);
    }
    std::size_t lines = 0;
    for (const char c : text) lines += c == '\n';
    EXPECT_EQ(lines, 15u + e.recipients.size());
    auto back = parse_envelope(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, e);
}

TEST(queue_envelope, EveryEnumValueRoundTrips) {
    for (auto ret : {envelope::ret_kind::unspecified, envelope::ret_kind::full, envelope::ret_kind::headers})
        for (auto st : {recipient::status::pending, recipient::status::delivered, recipient::status::failed}) {
            envelope e;
            e.ret = ret;
            e.recipients.push_back({"a@b", "", 15, st, "", "", "", {}});
            EXPECT_EQ(parse_envelope(serialize_envelope(e)), e);
        }
}

TEST(queue_envelope, EveryTruncationIsRejected) {
    const auto text = serialize_envelope(hostile());
    for (std::size_t n = 0; n < text.size(); ++n)
        EXPECT_FALSE(parse_envelope(std::string_view(text).substr(0, n))) << n;
}

TEST(queue_envelope, EveryFlippedByteAndTrailingGarbageIsRejected) {
    const auto text = serialize_envelope(hostile());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto bad = text;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        EXPECT_FALSE(parse_envelope(bad)) << i;
        bad = text;
        bad[i] = '\0';
        EXPECT_FALSE(parse_envelope(bad)) << i;
    }
    EXPECT_FALSE(parse_envelope(text + "x"));
    EXPECT_FALSE(parse_envelope(text + "\n"));
    EXPECT_FALSE(parse_envelope(text + text));
    EXPECT_FALSE(parse_envelope(std::string(text.size(), '\0')));
}

// Malformed bodies with a correct checksum, so the parser itself must object.
std::string sealed(const std::string& body) { return body + fmt::format("end {:016x}\n", detail::checksum(body)); }

const std::string good_head =
    "mailroom-envelope 3\nid -\nsender a@b\nenvid -\nret full\nsmtputf8 0\n8bitmime 1\nclient -\nhelo -\n"
    "auth -\narrived 0\nattempts 0\nnext-attempt 0\ndelay-warned 0\n";
const std::string good_rcpt = "rcpt x@y - 0 pending - - - 0 none 0\n";

// Files written before version 2 (no delay-warned, five rcpt fields) still load.
TEST(queue_envelope, VersionOneStillParses) {
    const std::string v1 =
        "mailroom-envelope 1\nid q1\nsender a@b\nenvid E\nret headers\nsmtputf8 0\n8bitmime 0\nclient -\n"
        "helo -\nauth -\narrived 5\nattempts 3\nnext-attempt 7\nrcpt x@y rfc822;x@y 2 failed 550%205.1.1\n";
    auto e = parse_envelope(sealed(v1));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "q1");
    EXPECT_EQ(e->attempts, 3u);
    EXPECT_FALSE(e->delay_warned);
    ASSERT_EQ(e->recipients.size(), 1u);
    EXPECT_EQ(e->recipients[0].last_error, "550 5.1.1");
    EXPECT_EQ(e->recipients[0].remote_mta, "");
    EXPECT_EQ(e->recipients[0].last_attempt, std::chrono::system_clock::time_point{});
    // A version-1 file with version-2 lines, or the reverse, is damaged.
    EXPECT_FALSE(parse_envelope(sealed(v1.substr(0, v1.find("rcpt")) + "delay-warned 0\n")));
    EXPECT_FALSE(parse_envelope(sealed(v1.substr(0, v1.find("rcpt")) + good_rcpt)));
    // What is written now is version 3.
    EXPECT_TRUE(serialize_envelope(*e).starts_with("mailroom-envelope 3\n"));
}

// Version-2 files (eight rcpt fields) load with no success notice and nothing reported.
TEST(queue_envelope, VersionTwoStillParses) {
    std::string v2 = good_head;
    v2.replace(0, 19, "mailroom-envelope 2");
    auto e = parse_envelope(sealed(v2 + "rcpt x@y - 1 delivered 250%20ok mx.y 2.0.0 9\n"));
    ASSERT_TRUE(e);
    ASSERT_EQ(e->recipients.size(), 1u);
    EXPECT_EQ(e->recipients[0].dsn_status, "2.0.0");
    EXPECT_EQ(e->recipients[0].success_notice, recipient::success_kind::none);
    EXPECT_FALSE(e->recipients[0].reported);
    // Version-3 rcpt fields in a version-2 file, or the reverse, are damage.
    EXPECT_FALSE(parse_envelope(sealed(v2 + good_rcpt)));
    EXPECT_FALSE(parse_envelope(sealed(good_head + "rcpt x@y - 1 delivered 250%20ok mx.y 2.0.0 9\n")));
    // The new fields are read back as written.
    auto r3 = parse_envelope(sealed(good_head + "rcpt x@y - 1 delivered - - - 0 relayed 1\n"));
    ASSERT_TRUE(r3);
    EXPECT_EQ(r3->recipients[0].success_notice, recipient::success_kind::relayed);
    EXPECT_TRUE(r3->recipients[0].reported);
}

TEST(queue_envelope, MalformedButSealedIsRejected) {
    ASSERT_TRUE(parse_envelope(sealed(good_head + good_rcpt)));
    auto replace = [](std::string s, const std::string& from, const std::string& to) {
        auto at = s.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return s.replace(at, from.size(), to);
    };
    const std::vector<std::string> bad{
        replace(good_head, "mailroom-envelope 3", "mailroom-envelope 4"),
        replace(good_head, "mailroom-envelope 3", "mailroom-envelope 0"),
        replace(good_head, "delay-warned 0\n", ""),
        replace(good_head, "delay-warned 0", "delay-warned 2"),
        replace(good_head, "sender a@b\n", ""),                        // missing key
        replace(good_head, "sender a@b\n", "sender a@b\nsender c\n"),  // repeated key
        replace(good_head, "sender a@b", "sender a b"),                // extra field
        replace(good_head, "sender a@b", "sender "),                   // empty value
        replace(good_head, "sender a@b", "sender  a@b"),
        replace(good_head, "sender a@b", "sender %"),  // bad escapes
        replace(good_head, "sender a@b", "sender a%4"),
        replace(good_head, "sender a@b", "sender a%GG"),
        replace(good_head, "sender a@b", "sender a\rb"),  // raw bytes
        replace(good_head, "sender a@b", std::string("sender a\0b", 10)),
        replace(good_head, "sender a@b", "sender a\xc3\xa9"),
        replace(good_head, "sender a@b", "sender\ta@b"),
        replace(good_head, "ret full", "ret some"),
        replace(good_head, "smtputf8 0", "smtputf8 2"),
        replace(good_head, "8bitmime 1", "8bitmime yes"),
        replace(good_head, "arrived 0", "arrived x"),
        replace(good_head, "arrived 0", "arrived +1"),
        replace(good_head, "arrived 0", "arrived 99999999999999999999"),
        replace(good_head, "attempts 0", "attempts -1"),
        replace(good_head, "attempts 0", "attempts 4294967296"),
        replace(good_head, "next-attempt 0", "next_attempt 0"),
        replace(good_head, "helo -\nauth -\n", "auth -\nhelo -\n"),  // order is fixed
        good_head + "rcpt x@y - 0 pending -\n",                      // version-1 rcpt in version 3
        good_head + "rcpt x@y - 0 pending - - - 0 none\n",           // 9 fields
        good_head + "rcpt x@y - 0 pending - - - 0 none 0 -\n",       // 11 fields
        good_head + "rcpt x@y - 16 pending - - - 0 none 0\n",        // unknown NOTIFY bit
        good_head + "rcpt x@y - 0 done - - - 0 none 0\n",
        good_head + "rcpt x@y - 0 pending - - - x none 0\n",   // bad last-attempt time
        good_head + "rcpt x@y - 0 pending - - %G 0 none 0\n",  // bad escape in status
        good_head + "rcpt x@y - 0 pending - - - 0 maybe 0\n",  // unknown success notice
        good_head + "rcpt x@y - 0 pending - - - 0 none 2\n",   // reported not a flag
        good_head + good_rcpt + "bogus 1\n",                   // unknown key
        good_head + "rcpt x@y - 0 pending - - - 0 none 0\r\n",
        good_head + good_rcpt + "rcpt x@y - 0 pending - - - 0 none 0",  // torn line
    };
    for (const auto& body : bad) EXPECT_FALSE(parse_envelope(sealed(body))) << body;
    EXPECT_FALSE(parse_envelope(good_head + "end 0000000000000000\n"));
    EXPECT_FALSE(parse_envelope(""));
    EXPECT_FALSE(parse_envelope("\n"));
}

}  // namespace
}  // namespace mailroom::queue
