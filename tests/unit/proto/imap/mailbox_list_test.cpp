// LIST/LSUB matching and selection (mailbox_list.hpp): the wildcards as a
// table against a naive reference matcher, the reference/INBOX rule, and the
// parents RFC 3501 and RFC 5258 ask for.
#include "proto/imap/mailbox_list.hpp"

#include <gtest/gtest.h>

namespace mailroom::imap {
namespace {

// Plain backtracking, exponential but obviously right: the reference.
bool naive(std::string_view p, std::string_view n) {
    if (p.empty()) return n.empty();
    if (p[0] == '*' || p[0] == '%') {
        for (std::size_t i = 0; i <= n.size(); ++i) {
            if (naive(p.substr(1), n.substr(i))) return true;
            if (i < n.size() && p[0] == '%' && n[i] == '.') return false;
        }
        return false;
    }
    return !n.empty() && n[0] == p[0] && naive(p.substr(1), n.substr(1));
}

TEST(ListMatches, AgreesWithTheReferenceOnEveryPair) {
    const char* patterns[] = {"",   "*",   "%",     "a",     "a*",    "a%",  "%.%",   "*.b",     "a.%",
                              "%b", "*a*", "a*b*c", "%%.%%", "a.*.c", "*%*", "INBOX", "INBOX.*", "Ü*"};
    const char* names[] = {"",   "a",    "a.b",   "a.b.c", "ab",      "abc",  "b",      "a.",
                           ".b", "a..c", "axbxc", "INBOX", "INBOX.x", "Über", "Über.x", "ba.b"};
    for (const char* p : patterns)
        for (const char* n : names) EXPECT_EQ(list_matches(p, n), naive(p, n)) << p << " vs " << n;
}

TEST(ListMatches, ManyWildcardsStayLinear) {
    std::string pattern;
    for (int i = 0; i < 200; ++i) pattern += "*a";
    pattern += "b";
    const std::string name(400, 'a');
    EXPECT_FALSE(list_matches(pattern, name));  // backtracking would not finish
}

TEST(FullPattern, ReferenceAndInbox) {
    EXPECT_EQ(full_pattern("Work.", "%"), "Work.%");
    EXPECT_EQ(full_pattern("", "inbox"), "INBOX");
    EXPECT_EQ(full_pattern("", "Inbox.*"), "INBOX.*");
    EXPECT_EQ(full_pattern("", "inboxes"), "inboxes");
    EXPECT_EQ(full_pattern("in", "box%"), "INBOX%");
}

std::vector<std::string> names(const std::vector<list_entry>& es) {
    std::vector<std::string> out;
    for (const auto& e : es) out.push_back(e.name + " (" + e.attributes + ")" + (e.childinfo_subscribed ? " C" : ""));
    return out;
}

const folder_list store{{"INBOX", "A.B", "A.B.C", "Sent", "Zeta"},
                        {"", "", "", "\\Sent", ""},
                        {"A.B.C", "Gone", "inbox", "Zeta"}};

TEST(ListMailboxes, PlainListShowsAMissingParentOnlyWhereItsChildIsNotMatched) {
    list_selection s;
    s.patterns = {"%"};
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"INBOX (\\HasNoChildren)", "A (\\Noselect \\HasChildren)",
                                        "Sent (\\HasNoChildren \\Sent)", "Zeta (\\HasNoChildren)"}));
    s.patterns = {"*"};
    s.nonexistent = true;
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"INBOX (\\HasNoChildren)", "A.B (\\HasChildren)", "A.B.C (\\HasNoChildren)",
                                        "Sent (\\HasNoChildren \\Sent)", "Zeta (\\HasNoChildren)"}));
    s.patterns = {"A.%", "A.*", "Z*"};  // each mailbox once
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"A.B (\\HasChildren)", "A.B.C (\\HasNoChildren)", "Zeta (\\HasNoChildren)"}));
}

TEST(ListMailboxes, SubscribedWithAndWithoutRecursiveMatch) {
    list_selection s;
    s.patterns = {"%"};
    s.subscribed = s.return_subscribed = s.nonexistent = true;
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"INBOX (\\Subscribed \\HasNoChildren)", "Gone (\\NonExistent \\Subscribed)",
                                        "Zeta (\\Subscribed \\HasNoChildren)"}));
    s.recursive = true;
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"INBOX (\\Subscribed \\HasNoChildren)", "A (\\NonExistent \\HasChildren) C",
                                        "Gone (\\NonExistent \\Subscribed)", "Zeta (\\Subscribed \\HasNoChildren)"}));
    s.patterns = {"A.%"};
    EXPECT_EQ(names(list_mailboxes(store, s)), (std::vector<std::string>{"A.B (\\HasChildren) C"}));
}

TEST(ListMailboxes, LsubMarksUnsubscribedParentsNoselect) {
    list_selection s;
    s.lsub = true;
    s.patterns = {"A.%"};
    EXPECT_EQ(names(list_mailboxes(store, s)), (std::vector<std::string>{"A.B (\\Noselect)"}));
    s.patterns = {"*"};
    EXPECT_EQ(names(list_mailboxes(store, s)),
              (std::vector<std::string>{"INBOX ()", "A.B.C ()", "Gone (\\Noselect)", "Zeta ()"}));
}

TEST(ListMailboxes, SpecialUseSelection) {
    list_selection s;
    s.patterns = {"*"};
    s.special_use = true;
    EXPECT_EQ(names(list_mailboxes(store, s)), (std::vector<std::string>{"Sent (\\HasNoChildren \\Sent)"}));
}

}  // namespace
}  // namespace mailroom::imap
