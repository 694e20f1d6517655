// imap_search::evaluate: every key on a small mailbox, combinations, "$",
// and that flags/dates/sizes decide without reading a message.
#include "server/imap_search/search_eval.hpp"

#include <gtest/gtest.h>

#include "fake_source.hpp"
#include "proto/imap/argument.hpp"

namespace mailroom::imap_search {
namespace {

using V = std::vector<std::uint32_t>;

// Splits "KEY arg KEY ..." into atoms / quoted strings / parenthesised lists.
std::vector<imap::argument> args_of(std::string_view text, std::size_t& at);
imap::argument one(std::string_view text, std::size_t& at) {
    imap::argument a;
    if (text[at] == '(') {
        ++at;
        a.kind = imap::argument_kind::list;
        a.children = args_of(text, at);
        ++at;
        return a;
    }
    if (text[at] == '"') {
        a.kind = imap::argument_kind::quoted;
        ++at;
        while (text[at] != '"') a.text += text[at++];
        ++at;
        return a;
    }
    a.kind = imap::argument_kind::atom;
    while (at < text.size() && text[at] != ' ' && text[at] != ')') a.text += text[at++];
    return a;
}
std::vector<imap::argument> args_of(std::string_view text, std::size_t& at) {
    std::vector<imap::argument> out;
    while (at < text.size() && text[at] != ')') {
        if (text[at] == ' ') {
            ++at;
            continue;
        }
        out.push_back(one(text, at));
    }
    return out;
}
imap::search_key program(std::string_view text) {
    std::size_t at = 0;
    auto args = args_of(text, at);
    auto p = imap::parse_search_program(args, {});
    EXPECT_TRUE(p) << text;
    return p ? *p : imap::search_key{};
}

constexpr std::int64_t day = 86400;
constexpr std::int64_t jan10_2024 = 1704844800;  // 2024-01-10 00:00:00 UTC

class SearchEval : public ::testing::Test {
protected:
    void SetUp() override {
        add(3, imap::flag_seen, {}, 5, jan10_2024 + 3600, 120,
            "From: Alice Example <alice@example.test>\nTo: bob@example.test\nCc: carol@example.test\n"
            "Subject: =?UTF-8?Q?Caf=C3=A9?= menu\nDate: Tue, 9 Jan 2024 23:30:00 -0800\nX-Tag: green\n\n"
            "Today we serve soup.\n");
        add(7, imap::flag_flagged | imap::flag_answered, {"$Work"}, 9, jan10_2024 + day + 10, 2000,
            "From: bob@example.test\nTo: alice@example.test\nBcc: secret@example.test\nSubject: Re: menu\n"
            "Date: Thu, 11 Jan 2024 08:00:00 +0000\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\n"
            "Content-Transfer-Encoding: quoted-printable\n\nNa=EFve cr=E8me br=FBl=E9e\n--b\n"
            "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nc291cA==\n--b--\n");
        add(9, imap::flag_deleted | imap::flag_draft, {"Later"}, 12, jan10_2024 + 2 * day, 50,
            "From: carol@example.test\nSubject: plans\n\nNothing about food.\n");
    }
    void add(std::uint32_t uid, std::uint8_t flags, std::vector<std::string> kw, std::uint64_t modseq,
             std::int64_t when, std::uint64_t size, std::string text) {
        imap::message_state m;
        m.uid = uid;
        m.flags = flags;
        m.keywords = std::move(kw);
        m.modseq = modseq;
        m.internal_date = when;
        m.size = size;
        view.push_back(m);
        source.messages[uid] = std::move(text);
    }
    V run(std::string_view text) {
        search_context ctx{view, saved, [](std::int64_t) -> long { return 0; }};
        return evaluate(program(text), ctx, source);
    }
    std::vector<imap::message_state> view;
    std::vector<std::uint32_t> saved;
    test::fake_source source;
};

TEST_F(SearchEval, FlagsAndTheirNegations) {
    EXPECT_EQ(run("ALL"), (V{1, 2, 3}));
    EXPECT_EQ(run("SEEN"), (V{1}));
    EXPECT_EQ(run("UNSEEN"), (V{2, 3}));
    EXPECT_EQ(run("ANSWERED"), (V{2}));
    EXPECT_EQ(run("UNANSWERED"), (V{1, 3}));
    EXPECT_EQ(run("FLAGGED"), (V{2}));
    EXPECT_EQ(run("UNFLAGGED"), (V{1, 3}));
    EXPECT_EQ(run("DELETED"), (V{3}));
    EXPECT_EQ(run("UNDELETED"), (V{1, 2}));
    EXPECT_EQ(run("DRAFT"), (V{3}));
    EXPECT_EQ(run("UNDRAFT"), (V{1, 2}));
    EXPECT_EQ(run("KEYWORD $work"), (V{2}));  // flags compare case-insensitively
    EXPECT_EQ(run("UNKEYWORD Later"), (V{1, 2}));
    // Nothing recent to this session: nothing is recent or new, everything old.
    EXPECT_EQ(run("RECENT"), V{});
    EXPECT_EQ(run("NEW"), V{});
    EXPECT_EQ(run("OLD"), (V{1, 2, 3}));
    // RFC 3501 §6.4.4: NEW is RECENT and UNSEEN; OLD is NOT RECENT.
    view[0].recent = view[1].recent = true;
    EXPECT_EQ(run("RECENT"), (V{1, 2}));
    EXPECT_EQ(run("NEW"), (V{2}));
    EXPECT_EQ(run("OLD"), (V{3}));
    EXPECT_EQ(run("NOT RECENT"), (V{3}));
    EXPECT_EQ(source.header_reads + source.message_reads, 0);
}

TEST_F(SearchEval, DatesSizesSetsModseqDecideWithoutReading) {
    EXPECT_EQ(run("ON 10-Jan-2024"), (V{1}));
    EXPECT_EQ(run("BEFORE 11-Jan-2024"), (V{1}));
    EXPECT_EQ(run("SINCE 11-Jan-2024"), (V{2, 3}));
    EXPECT_EQ(run("LARGER 120"), (V{2}));
    EXPECT_EQ(run("SMALLER 120"), (V{3}));
    EXPECT_EQ(run("2:*"), (V{2, 3}));
    EXPECT_EQ(run("*"), (V{3}));
    EXPECT_EQ(run("UID 4:8"), (V{2}));
    EXPECT_EQ(run("UID 10:*"), (V{3}));  // "*" is the largest UID, the range holds it
    EXPECT_EQ(run("MODSEQ 9"), (V{2, 3}));
    // A text key behind a decided AND/OR/NOT is never evaluated.
    EXPECT_EQ(run("UNDELETED DRAFT SUBJECT x"), V{});
    EXPECT_EQ(run("OR SEEN SUBJECT x SEEN"), (V{1}));
    EXPECT_EQ(run("NOT OR ALL BODY x"), V{});
    EXPECT_EQ(source.header_reads + source.message_reads, 0);
}

TEST_F(SearchEval, InternalDateDayIsTheServerZones) {
    // 2024-01-10 01:00 UTC is still 9 January at UTC-5.
    search_context ctx{view, saved, [](std::int64_t) -> long { return -5 * 3600; }};
    EXPECT_EQ(evaluate(program("ON 9-Jan-2024"), ctx, source), (V{1}));
}

TEST_F(SearchEval, HeaderKeysDecodedAndCasemapped) {
    EXPECT_EQ(run("FROM alice"), (V{1}));
    EXPECT_EQ(run("FROM \"ALICE EXAMPLE\""), (V{1}));
    EXPECT_EQ(run("TO alice@"), (V{2}));
    EXPECT_EQ(run("CC carol"), (V{1}));
    EXPECT_EQ(run("BCC secret"), (V{2}));
    EXPECT_EQ(run("SUBJECT \"caf\xc3\x89\""), (V{1}));  // RFC 2047 decoded, É matches é
    EXPECT_EQ(run("SUBJECT menu"), (V{1, 2}));
    EXPECT_EQ(run("HEADER X-Tag GREEN"), (V{1}));
    EXPECT_EQ(run("HEADER Mime-Version \"\""), (V{2}));  // empty: has the field
    EXPECT_EQ(source.message_reads, 0);                  // headers only
}

TEST_F(SearchEval, SentDatesUseTheDateHeadersOwnDay) {
    // "9 Jan 2024 23:30 -0800" is the 9th whatever its UTC time.
    EXPECT_EQ(run("SENTON 9-Jan-2024"), (V{1}));
    EXPECT_EQ(run("SENTBEFORE 11-Jan-2024"), (V{1}));
    EXPECT_EQ(run("SENTSINCE 10-Jan-2024"), (V{2}));  // message 3 has no Date:
}

TEST_F(SearchEval, BodyAndTextDecodeTextPartsOnly) {
    EXPECT_EQ(run("BODY soup"), (V{1}));                          // the base64 "soup" attachment is not text
    EXPECT_EQ(run("BODY \"cr\xc3\xa8me BR\xc3\x9bL\""), (V{2}));  // quoted-printable latin-1 to UTF-8
    EXPECT_EQ(run("BODY menu"), V{});                             // header text is not body
    EXPECT_EQ(run("TEXT menu"), (V{1, 2}));
    EXPECT_EQ(run("TEXT food"), (V{3}));
}

TEST_F(SearchEval, CombinationsAndSavedResult) {
    EXPECT_EQ(run("OR FLAGGED DELETED"), (V{2, 3}));
    EXPECT_EQ(run("NOT SEEN"), (V{2, 3}));
    EXPECT_EQ(run("(OR SEEN DRAFT) SUBJECT plans"), (V{3}));
    EXPECT_EQ(run("OR (SUBJECT menu FROM bob) NOT 1:2"), (V{2, 3}));
    EXPECT_EQ(run("$"), V{});  // nothing saved yet
    saved = {3, 9};
    EXPECT_EQ(run("$"), (V{1, 3}));
    EXPECT_EQ(run("UID $ UNSEEN"), (V{3}));
}

TEST_F(SearchEval, GoneAndUnreadableMessagesDoNotMatchText) {
    view[1].gone = true;
    source.messages.erase(9);
    EXPECT_EQ(run("ALL"), (V{1, 3}));
    EXPECT_EQ(run("SUBJECT menu"), (V{1}));
    EXPECT_EQ(run("NOT BODY zzz"), (V{1, 3}));  // unreadable: no key matches, its negation does
}

}  // namespace
}  // namespace mailroom::imap_search
