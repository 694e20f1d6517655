#include "mail/dsn.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "support/fixed_env.hpp"

namespace mailroom::mail {
namespace {

using namespace std::chrono_literals;
using queue::envelope;
using queue::recipient;
using time_point = std::chrono::system_clock::time_point;

const time_point t0{std::chrono::seconds(1700000000)};  // Tue, 14 Nov 2023 22:13:20 +0000

envelope sample_envelope() {
    envelope e;
    e.id = "0123456789abcdef";
    e.sender = "alice@example.test";
    e.envid = "QQ+314159";
    e.arrived = t0;
    recipient gone;
    gone.address = "gone@remote.test";
    gone.orcpt = "rfc822;Gone@Remote.test";
    gone.state = recipient::status::failed;
    gone.last_error =
        "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
        "550 5.1.1 Please check the address.";
    gone.remote_mta = "mx1.remote.test";
    gone.last_attempt = t0 + 10min;
    recipient slow;
    slow.address = "slow@remote.test";
    slow.state = recipient::status::pending;
    slow.last_error = "451 4.7.1 Greylisted, try again later";
    slow.remote_mta = "mx2.remote.test";
    slow.last_attempt = t0 + 1h;
    recipient fine;
    fine.address = "fine@remote.test";
    fine.state = recipient::status::delivered;
    e.recipients = {gone, slow, fine};
    return e;
}

const std::string original =
    "Received: from client.example ([127.0.0.1])\r\n\tby mx.example.test; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "From: Alice <alice@example.test>\r\nTo: gone@remote.test\r\nSubject: Lunch?\r\n"
    "Message-ID: <lunch@example.test>\r\n\r\nAre you free on Friday?\r\n";

dsn_request failure_request(std::vector<std::size_t> rcpts = {0}) {
    dsn_request r;
    r.reporting_mta = "mx.example.test";
    r.kind = dsn_kind::failure;
    r.recipients = std::move(rcpts);
    r.now = t0 + 2h;
    return r;
}

// A small MIME reader for checking structure: header fields unfolded, a
// multipart body split at its boundary.
struct entity {
    std::multimap<std::string, std::string> fields;  // lower-case name -> unfolded value
    std::string body;
    std::string get(const std::string& name) const {
        auto it = fields.find(name);
        return it == fields.end() ? "" : it->second;
    }
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Header block (fields only, CRLF lines) into name -> value, unfolding.
std::multimap<std::string, std::string> parse_fields(const std::string& block) {
    std::multimap<std::string, std::string> out;
    std::string name, value;
    auto flush = [&] {
        if (!name.empty()) out.emplace(lower(name), value);
        name.clear();
    };
    std::size_t pos = 0;
    while (pos < block.size()) {
        auto end = block.find("\r\n", pos);
        if (end == std::string::npos) end = block.size();
        const auto line = block.substr(pos, end - pos);
        pos = end + 2;
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            value += " " + line.substr(1);
            continue;
        }
        flush();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        name = line.substr(0, colon);
        value = line.substr(colon + 1);
        while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    }
    flush();
    return out;
}

entity parse_entity(const std::string& text) {
    entity e;
    const auto split = text.find("\r\n\r\n");
    EXPECT_NE(split, std::string::npos);
    e.fields = parse_fields(text.substr(0, split + 2));
    e.body = text.substr(split + 4);
    return e;
}

std::string boundary_of(const entity& e) {
    const auto ct = e.get("content-type");
    const auto at = ct.find("boundary=\"");
    if (at == std::string::npos) return "";
    const auto start = at + 10;
    return ct.substr(start, ct.find('"', start) - start);
}

std::vector<entity> parts_of(const entity& e) {
    const auto b = boundary_of(e);
    std::vector<entity> parts;
    const std::string delim = "\r\n--" + b;
    auto pos = ("\r\n" + e.body).find(delim);
    EXPECT_NE(pos, std::string::npos);
    const std::string body = "\r\n" + e.body;
    pos += delim.size();
    for (;;) {
        if (body.compare(pos, 2, "--") == 0) break;  // close delimiter
        EXPECT_EQ(body.compare(pos, 2, "\r\n"), 0);
        pos += 2;
        const auto next = body.find(delim, pos);
        if (next == std::string::npos) {
            ADD_FAILURE() << "no close delimiter";
            break;
        }
        parts.push_back(parse_entity(body.substr(pos, next - pos)));
        pos = next + delim.size();
    }
    return parts;
}

// delivery-status content: blocks of fields separated by empty lines.
std::vector<std::multimap<std::string, std::string>> status_blocks(const std::string& body) {
    std::vector<std::multimap<std::string, std::string>> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find("\r\n\r\n", pos);
        const auto block = body.substr(pos, end == std::string::npos ? std::string::npos : end + 2 - pos);
        out.push_back(parse_fields(block));
        if (end == std::string::npos) break;
        pos = end + 4;
    }
    return out;
}

void expect_lines_within_998(const std::string& s) {
    std::size_t start = 0;
    while (start < s.size()) {
        const auto end = s.find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        EXPECT_LE(end - start, 998u);
        EXPECT_EQ(s.substr(start, end - start).find_first_of("\r\n"), std::string::npos);
        start = end + 2;
    }
}

TEST(mail_dsn, FailureReportHasTheRfc3464Shape) {
    test::seeded_random rnd;
    const auto env = sample_envelope();
    const auto dsn = compose_dsn(failure_request(), env, original, rnd);
    ASSERT_TRUE(dsn);
    expect_lines_within_998(dsn->bytes);
    EXPECT_FALSE(dsn->needs_8bitmime);
    EXPECT_FALSE(dsn->needs_smtputf8);

    const auto top = parse_entity(dsn->bytes);
    EXPECT_EQ(top.get("from"), "Mail Delivery System <MAILER-DAEMON@mx.example.test>");
    EXPECT_EQ(top.get("to"), "<alice@example.test>");
    EXPECT_EQ(top.get("subject"), "Undelivered Mail Returned to Sender");
    EXPECT_EQ(top.get("date"), "Wed, 15 Nov 2023 00:13:20 +0000");
    EXPECT_EQ(top.get("auto-submitted"), "auto-replied");
    EXPECT_EQ(top.get("mime-version"), "1.0");
    EXPECT_TRUE(top.get("message-id").ends_with(".dsn@mx.example.test>"));
    EXPECT_TRUE(top.get("content-type").starts_with("multipart/report; report-type=delivery-status;"));

    const auto parts = parts_of(top);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].get("content-type"), "text/plain; charset=us-ascii");
    EXPECT_NE(parts[0].body.find("<gone@remote.test>: host mx1.remote.test said: 550-5.1.1 The email"),
              std::string::npos)
        << parts[0].body;
    EXPECT_EQ(parts[1].get("content-type"), "message/delivery-status");
    EXPECT_EQ(parts[2].get("content-type"), "message/rfc822");  // no RET on a failure: the whole message
    EXPECT_EQ(parts[2].body, original);

    const auto blocks = status_blocks(parts[1].body);
    ASSERT_EQ(blocks.size(), 2u);
    const auto& msg = blocks[0];
    EXPECT_EQ(msg.find("original-envelope-id")->second, "QQ+314159");
    EXPECT_EQ(msg.find("reporting-mta")->second, "dns; mx.example.test");
    EXPECT_EQ(msg.find("arrival-date")->second, "Tue, 14 Nov 2023 22:13:20 +0000");
    const auto& r = blocks[1];
    EXPECT_EQ(r.find("original-recipient")->second, "rfc822; Gone@Remote.test");
    EXPECT_EQ(r.find("final-recipient")->second, "rfc822; gone@remote.test");
    EXPECT_EQ(r.find("action")->second, "failed");
    EXPECT_EQ(r.find("status")->second, "5.1.1");
    EXPECT_EQ(r.find("remote-mta")->second, "dns; mx1.remote.test");
    EXPECT_EQ(r.find("diagnostic-code")->second,
              "smtp; 550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 Please "
              "check the address.");
    EXPECT_EQ(r.find("last-attempt-date")->second, "Tue, 14 Nov 2023 22:23:20 +0000");
    EXPECT_EQ(r.count("will-retry-until"), 0u);
}

TEST(mail_dsn, DelayReportReturnsHeadersAndSaysUntilWhen) {
    test::seeded_random rnd;
    const auto env = sample_envelope();
    auto req = failure_request({1});
    req.kind = dsn_kind::delay;
    req.retry_until = t0 + std::chrono::days(5);
    const auto dsn = compose_dsn(req, env, original, rnd);
    ASSERT_TRUE(dsn);
    const auto top = parse_entity(dsn->bytes);
    EXPECT_EQ(top.get("subject"), "Delayed Mail (still being retried)");
    const auto parts = parts_of(top);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[2].get("content-type"), "text/rfc822-headers");
    EXPECT_EQ(parts[2].body, original.substr(0, original.find("\r\n\r\n") + 2));
    const auto blocks = status_blocks(parts[1].body);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[1].find("action")->second, "delayed");
    EXPECT_EQ(blocks[1].find("status")->second, "4.7.1");
    EXPECT_EQ(blocks[1].find("will-retry-until")->second, "Sun, 19 Nov 2023 22:13:20 +0000");
    EXPECT_EQ(blocks[1].count("original-recipient"), 0u);  // no ORCPT, no field (RFC 3461 §6.3(d))
    auto text = parts[0].body;                             // the explanation, unwrapped
    for (auto at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n")) text.replace(at, 2, " ");
    EXPECT_NE(text.find("retried until Sun, 19 Nov 2023 22:13:20 +0000;"), std::string::npos) << text;
}

TEST(mail_dsn, RetDecidesWhatComesBack) {
    auto env = sample_envelope();
    test::seeded_random rnd;
    env.ret = envelope::ret_kind::headers;
    auto parts = parts_of(parse_entity(compose_dsn(failure_request(), env, original, rnd)->bytes));
    EXPECT_EQ(parts[2].get("content-type"), "text/rfc822-headers");
    EXPECT_EQ(parts[2].body.find("Are you free"), std::string::npos);

    env.ret = envelope::ret_kind::full;
    auto req = failure_request({1});
    req.kind = dsn_kind::delay;
    parts = parts_of(parse_entity(compose_dsn(req, env, original, rnd)->bytes));
    EXPECT_EQ(parts[2].get("content-type"), "message/rfc822");

    // Over the limit: headers only, and the text says why.
    req = failure_request();
    req.limits.max_returned_message_bytes = 100;
    parts = parts_of(parse_entity(compose_dsn(req, env, original, rnd)->bytes));
    EXPECT_EQ(parts[2].get("content-type"), "text/rfc822-headers");
    EXPECT_NE(parts[0].body.find("too large"), std::string::npos);
}

TEST(mail_dsn, SeveralRecipientsOneBlockEach) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    env.recipients[1].state = recipient::status::failed;
    env.recipients[1].last_error = "451 4.4.1 connection timed out";
    env.recipients[1].dsn_status = "";
    const auto dsn = compose_dsn(failure_request({0, 1, 99}), env, original, rnd);  // 99: ignored
    ASSERT_TRUE(dsn);
    const auto blocks = status_blocks(parts_of(parse_entity(dsn->bytes))[1].body);
    ASSERT_EQ(blocks.size(), 3u);
    EXPECT_EQ(blocks[2].find("final-recipient")->second, "rfc822; slow@remote.test");
    EXPECT_EQ(blocks[2].find("status")->second, "4.4.1");  // the transient code that outlived the queue
}

TEST(mail_dsn, StatusFallbacks) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    auto status_of = [&](dsn_kind kind, std::size_t i) {
        auto req = failure_request({i});
        req.kind = kind;
        req.retry_until = t0 + 1h;
        return status_blocks(parts_of(parse_entity(compose_dsn(req, env, original, rnd)->bytes))[1].body)[1]
            .find("status")
            ->second;
    };
    env.recipients[0].dsn_status = "5.4.4";  // recorded by the delivery code: wins
    EXPECT_EQ(status_of(dsn_kind::failure, 0), "5.4.4");
    env.recipients[0].dsn_status = "2.0.0";  // does not fit "failed": ignored
    EXPECT_EQ(status_of(dsn_kind::failure, 0), "5.1.1");
    env.recipients[0].last_error = "554 go away";
    EXPECT_EQ(status_of(dsn_kind::failure, 0), "5.0.0");
    env.recipients[0].last_error = "421 busy";
    EXPECT_EQ(status_of(dsn_kind::failure, 0), "4.4.7");  // expired
    env.recipients[0].last_error = "connect to mx1.remote.test: Connection refused";
    EXPECT_EQ(status_of(dsn_kind::failure, 0), "5.0.0");
    EXPECT_EQ(status_of(dsn_kind::delay, 0), "4.0.0");
    EXPECT_EQ(status_of(dsn_kind::delivered, 2), "2.0.0");
}

TEST(mail_dsn, LocalReasonIsNotAnSmtpDiagnostic) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    env.recipients[0].last_error = "connect to mx1.remote.test[192.0.2.1]:25: Connection refused";
    env.recipients[0].remote_mta = "";
    const auto parts = parts_of(parse_entity(compose_dsn(failure_request(), env, original, rnd)->bytes));
    const auto r = status_blocks(parts[1].body)[1];
    EXPECT_EQ(r.find("diagnostic-code")->second,
              "X-mailroom; connect to mx1.remote.test[192.0.2.1]:25: Connection refused");
    EXPECT_EQ(r.count("remote-mta"), 0u);
}

TEST(mail_dsn, SuccessReports) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    auto req = failure_request({2});
    req.kind = dsn_kind::relayed;
    const auto top = parse_entity(compose_dsn(req, env, original, rnd)->bytes);
    EXPECT_EQ(top.get("subject"), "Successful Mail Delivery Report");
    const auto parts = parts_of(top);
    EXPECT_EQ(status_blocks(parts[1].body)[1].find("action")->second, "relayed");
    EXPECT_EQ(parts[2].get("content-type"), "text/rfc822-headers");
}

TEST(mail_dsn, HostileRemoteReplyCannotAddFieldsOrLongLines) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    env.recipients[0].last_error = "550 5.1.1 x\r\nAction: delivered\r\n\r\nFinal-Recipient: rfc822; evil@x\r\n" +
                                   std::string(5000, 'A') + std::string("\x1b\0\xff", 3);
    env.recipients[0].remote_mta = "mx\r\nX-Evil: 1";
    env.recipients[0].orcpt = "rfc822;a@b\r\nAction: delivered";
    env.envid = "id\r\nReporting-MTA: dns; evil";
    const auto dsn = compose_dsn(failure_request(), env, original, rnd);
    ASSERT_TRUE(dsn);
    expect_lines_within_998(dsn->bytes);
    const auto parts = parts_of(parse_entity(dsn->bytes));
    ASSERT_EQ(parts.size(), 3u);
    const auto blocks = status_blocks(parts[1].body);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].count("reporting-mta"), 1u);
    EXPECT_EQ(blocks[0].find("reporting-mta")->second, "dns; mx.example.test");
    EXPECT_EQ(blocks[1].count("action"), 1u);
    EXPECT_EQ(blocks[1].find("action")->second, "failed");
    EXPECT_EQ(blocks[1].count("final-recipient"), 1u);
    EXPECT_EQ(blocks[1].count("x-evil"), 0u);
    EXPECT_LE(blocks[1].find("diagnostic-code")->second.size(), 512u + 6);
    EXPECT_EQ(blocks[1].find("remote-mta")->second, "dns; mx--X-Evil:-1");
    for (const char c : dsn->bytes) EXPECT_LT(static_cast<unsigned char>(c), 0x80);  // nothing 8-bit leaked
    EXPECT_EQ(dsn->bytes.find('\0'), std::string::npos);                             // nor the NUL
    EXPECT_EQ(dsn->bytes.find('\x1b'), std::string::npos);                           // nor the ESC
}

TEST(mail_dsn, BoundaryNeverOccursInTheContent) {
    const auto env = sample_envelope();
    test::seeded_random first(7);
    const auto b = boundary_of(parse_entity(compose_dsn(failure_request(), env, original, first)->bytes));
    ASSERT_FALSE(b.empty());
    // The same random sequence, and an original that quotes that boundary.
    const auto quoting = original + "--" + b + "\r\n";
    test::seeded_random again(7);
    const auto dsn = compose_dsn(failure_request(), env, quoting, again);
    const auto top = parse_entity(dsn->bytes);
    EXPECT_NE(boundary_of(top), b);
    const auto parts = parts_of(top);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[2].body, quoting);
}

class constant_random final : public random_source {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& x : out) x = 0xab;
    }
};

TEST(mail_dsn, BoundaryIsUniqueEvenWithAStuckRandomSource) {
    constant_random stuck;
    const auto env = sample_envelope();
    const auto b = boundary_of(parse_entity(compose_dsn(failure_request(), env, original, stuck)->bytes));
    std::string quoting = original;
    for (int i = 0; i < 5; ++i) quoting += b + (i ? "." + std::to_string(i - 1) : "") + "\r\n";
    const auto top = parse_entity(compose_dsn(failure_request(), env, quoting, stuck)->bytes);
    EXPECT_EQ(quoting.find(boundary_of(top)), std::string::npos);
    EXPECT_EQ(parts_of(top).size(), 3u);
}

TEST(mail_dsn, Smtputf8MessagesUseTheGlobalTypes) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    env.smtputf8 = true;
    env.sender = "j\xc3\xb6rg@example.test";
    env.recipients[0].address = "\xe7\x94\xa8\xe6\x88\xb7@remote.test";
    env.recipients[0].last_error = "550 5.1.1 \xe7\x94\xa8\xe6\x88\xb7 unknown";
    const std::string utf8_original =
        "Subject: Gr\xc3\xbc\xc3\x9f"
        "e\r\n\r\nHallo\r\n";
    const auto dsn = compose_dsn(failure_request(), env, utf8_original, rnd);
    ASSERT_TRUE(dsn);
    EXPECT_TRUE(dsn->needs_8bitmime);
    EXPECT_TRUE(dsn->needs_smtputf8);
    const auto top = parse_entity(dsn->bytes);
    EXPECT_EQ(top.get("to"), "<j\xc3\xb6rg@example.test>");
    EXPECT_TRUE(top.get("content-type").starts_with("multipart/report; report-type=global-delivery-status;"));
    const auto parts = parts_of(top);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].get("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(parts[0].get("content-transfer-encoding"), "8bit");
    EXPECT_EQ(parts[1].get("content-type"), "message/global-delivery-status");
    EXPECT_EQ(parts[2].get("content-type"), "message/global");
    EXPECT_EQ(parts[2].get("content-transfer-encoding"), "8bit");
    const auto r = status_blocks(parts[1].body)[1];
    EXPECT_EQ(r.find("final-recipient")->second, "utf-8; \xe7\x94\xa8\xe6\x88\xb7@remote.test");
}

TEST(mail_dsn, NeverABounceForABounce) {
    test::seeded_random rnd;
    auto env = sample_envelope();
    env.sender = "";
    EXPECT_FALSE(compose_dsn(failure_request(), env, original, rnd));
    const std::vector<std::size_t> all{0, 1, 2};
    EXPECT_TRUE(recipients_to_report(env, dsn_kind::failure, all).empty());
    env.sender = "alice@example.test";
    EXPECT_FALSE(compose_dsn(failure_request({}), env, original, rnd));    // nobody to report
    EXPECT_FALSE(compose_dsn(failure_request({42}), env, original, rnd));  // nobody valid
}

TEST(mail_dsn, NotifyDecidesWhoIsReported) {
    envelope env;
    env.sender = "alice@example.test";
    const unsigned S = recipient::notify_success, F = recipient::notify_failure, D = recipient::notify_delay,
                   N = recipient::notify_never;
    for (unsigned bits : {0u, N, S, F, D, S | F, F | D, S | D, S | F | D}) {
        recipient r;
        r.address = "r" + std::to_string(bits) + "@x.test";
        r.notify = bits;
        env.recipients.push_back(r);
    }
    const std::vector<std::size_t> all{0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 1000};
    auto names = [&](dsn_kind kind) {
        std::string out;
        for (auto i : recipients_to_report(env, kind, all)) out += std::to_string(env.recipients[i].notify) + " ";
        return out;
    };
    // 0 = NOTIFY not given: failure and delay (RFC 3461 §4.1 leaves delay to the MTA).
    EXPECT_EQ(names(dsn_kind::failure), "0 2 3 6 7 ");
    EXPECT_EQ(names(dsn_kind::delay), "0 4 6 5 7 ");
    EXPECT_EQ(names(dsn_kind::delivered), "1 3 5 7 ");
    EXPECT_EQ(names(dsn_kind::relayed), "1 3 5 7 ");
    const std::vector<std::size_t> some{3, 1};
    EXPECT_EQ(recipients_to_report(env, dsn_kind::failure, some), std::vector<std::size_t>{3});
}

}  // namespace
}  // namespace mailroom::mail
