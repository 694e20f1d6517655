#include "proto/imap/search_program.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reader_driver.hpp"

namespace mailroom::imap {
namespace {

// A compact rendering of a program: op names with their operands.
std::string show(const search_key& k) {
    static const char* names[] = {"AND",        "OR",        "NOT",       "ALL",       "ANSWERED", "DELETED",
                                  "DRAFT",      "FLAGGED",   "SEEN",      "RECENT",    "NEW",      "OLD",
                                  "UNANSWERED", "UNDELETED", "UNDRAFT",   "UNFLAGGED", "UNSEEN",   "KEYWORD",
                                  "UNKEYWORD",  "BCC",       "BODY",      "CC",        "FROM",     "SUBJECT",
                                  "TEXT",       "TO",        "HEADER",    "BEFORE",    "ON",       "SINCE",
                                  "SENTBEFORE", "SENTON",    "SENTSINCE", "LARGER",    "SMALLER",  "SEQ",
                                  "UID",        "MODSEQ"};
    std::string out = names[static_cast<int>(k.op)];
    switch (k.op) {
        case search_op::and_:
        case search_op::or_:
        case search_op::not_:
            out += "(";
            for (std::size_t i = 0; i < k.children.size(); ++i) out += (i ? " " : "") + show(k.children[i]);
            return out + ")";
        case search_op::keyword:
        case search_op::unkeyword:
        case search_op::bcc:
        case search_op::body:
        case search_op::cc:
        case search_op::from:
        case search_op::subject:
        case search_op::text:
        case search_op::to: return out + "<" + k.text + ">";
        case search_op::header: return out + "<" + k.field + ":" + k.text + ">";
        case search_op::before:
        case search_op::on:
        case search_op::since:
        case search_op::sentbefore:
        case search_op::senton:
        case search_op::sentsince:
            return out + "<" + std::to_string(k.day.year) + "-" + std::to_string(k.day.month) + "-" +
                   std::to_string(k.day.day) + ">";
        case search_op::larger:
        case search_op::smaller: return out + "<" + std::to_string(k.number) + ">";
        case search_op::sequence:
        case search_op::uid: {
            if (k.set.saved) return out + "<$>";
            out += "<";
            for (const auto& r : k.set.ranges) out += std::to_string(r.first) + ":" + std::to_string(r.last) + ",";
            return out + ">";
        }
        case search_op::modseq:
            return out + "<" +
                   (k.has_entry ? k.text + " " + std::to_string(static_cast<int>(k.entry_type)) + " " : "") +
                   std::to_string(k.number) + ">";
        default: return out;
    }
}

std::optional<std::string> program(const std::string& text, search_limits lim = {}) {
    const auto args = test::lex(text);
    if (args.empty()) return std::nullopt;
    auto p = parse_search_program(args, lim);
    if (!p) return std::nullopt;
    return show(*p);
}

TEST(ImapSearchProgram, EveryKey) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"ALL", "AND(ALL)"},
        {"answered deleted DRAFT FLAGGED SEEN RECENT NEW OLD",
         "AND(ANSWERED DELETED DRAFT FLAGGED SEEN RECENT NEW OLD)"},
        {"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN", "AND(UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)"},
        {"KEYWORD $Label1 UNKEYWORD Junk", "AND(KEYWORD<$Label1> UNKEYWORD<Junk>)"},
        {"BCC a CC \"b c\" FROM {3}\r\nd@e SUBJECT hi TEXT x TO y BODY z",
         "AND(BCC<a> CC<b c> FROM<d@e> SUBJECT<hi> TEXT<x> TO<y> BODY<z>)"},
        {"HEADER Message-ID \"<a@b>\"", "AND(HEADER<Message-ID:<a@b>>)"},
        {"HEADER X-Empty \"\"", "AND(HEADER<X-Empty:>)"},
        {"BEFORE 1-Feb-2024 ON \"02-Mar-2024\" SINCE 3-apr-2024", "AND(BEFORE<2024-2-1> ON<2024-3-2> SINCE<2024-4-3>)"},
        {"SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-Jan-2000",
         "AND(SENTBEFORE<2000-1-1> SENTON<2000-1-2> SENTSINCE<2000-1-3>)"},
        {"LARGER 1000 SMALLER 9223372036854775807", "AND(LARGER<1000> SMALLER<9223372036854775807>)"},
        {"1:3,5 UID 4:*", "AND(SEQ<1:3,5:5,> UID<4:0,>)"},
        {"$", "AND(SEQ<$>)"},
        {"UID $", "AND(UID<$>)"},
        {"NOT SEEN", "AND(NOT(SEEN))"},
        {"OR SEEN FLAGGED", "AND(OR(SEEN FLAGGED))"},
        {"OR (SEEN FROM x) NOT (DELETED)", "AND(OR(AND(SEEN FROM<x>) NOT(AND(DELETED))))"},
        {"OR OR A1 A2 A3", ""},  // "A1" is not a key
        {"MODSEQ 720162338", "AND(MODSEQ<720162338>)"},
        {"MODSEQ \"/flags/\\\\draft\" all 620162338", "AND(MODSEQ</flags/\\draft 0 620162338>)"},
        {"MODSEQ \"/flags/$Junk\" priv 1", "AND(MODSEQ</flags/$Junk 2 1>)"},
    };
    for (const auto& [text, want] : cases) {
        if (want.empty()) EXPECT_FALSE(program(text)) << text;
        else EXPECT_EQ(program(text), want) << text;
    }
}

TEST(ImapSearchProgram, InvalidPrograms) {
    for (const std::string text : {"FOO",
                                   "()",
                                   "NOT",
                                   "OR SEEN",
                                   "FROM",
                                   "HEADER From",
                                   "BEFORE",
                                   "BEFORE 31-Feb-2024",
                                   "BEFORE yesterday",
                                   "LARGER",
                                   "LARGER -1",
                                   "LARGER 9223372036854775808",
                                   "UID",
                                   "UID x",
                                   "KEYWORD",
                                   "KEYWORD \\Seen",
                                   "KEYWORD (a)",
                                   "0",
                                   "1:0",
                                   "$,1",
                                   "MODSEQ",
                                   "MODSEQ x",
                                   "MODSEQ \"/flags/x\" 5",
                                   "MODSEQ \"/x/y\" all 5",
                                   "MODSEQ \"/flags/x\" mine 5",
                                   "FROM (x)",
                                   "SEEN (UNSEEN ())",
                                   "BODY ~{1}\r\nx"})
        EXPECT_FALSE(program(text)) << text;
}

TEST(ImapSearchProgram, Limits) {
    search_limits lim;
    lim.max_depth = 3;
    EXPECT_TRUE(program("NOT NOT NOT SEEN", lim));
    EXPECT_FALSE(program("NOT NOT NOT NOT SEEN", lim));
    EXPECT_FALSE(program("((((SEEN))))", lim));
    lim = {};
    lim.max_keys = 3;
    EXPECT_TRUE(program("SEEN DELETED DRAFT", lim));
    EXPECT_FALSE(program("SEEN DELETED DRAFT FLAGGED", lim));
    lim = {};
    lim.max_sequence_ranges = 2;
    EXPECT_TRUE(program("1,2", lim));
    EXPECT_FALSE(program("UID 1,2,3", lim));
    // Limits are told apart from syntax errors.
    const auto args = test::lex("NOT NOT NOT NOT SEEN");
    search_limits shallow;
    shallow.max_depth = 2;
    EXPECT_TRUE(parse_search(args, shallow).too_complex);
    EXPECT_FALSE(parse_search(test::lex("FOO"), shallow).too_complex);
    shallow.max_sequence_ranges = 1;
    EXPECT_TRUE(parse_search(test::lex("UID 1,2"), shallow).too_complex);
    EXPECT_FALSE(parse_search(test::lex("UID 1,,2"), shallow).too_complex);
    // A deep program from a hostile client is refused, not a stack overflow.
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "NOT ";
    EXPECT_FALSE(program(deep + "SEEN"));
}

}  // namespace
}  // namespace mailroom::imap
