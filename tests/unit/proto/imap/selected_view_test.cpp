// imap::selected_view: set resolution (sequence numbers and UIDs, "*"),
// the sync merge (EXPUNGE numbering, EXISTS, flag changes, expunges held
// back as "gone" and told later) and the FLAGS list.
#include "proto/imap/selected_view.hpp"

#include <gtest/gtest.h>

namespace mailroom::imap {
namespace {

message_state msg(std::uint32_t uid, std::uint8_t flags = 0, std::uint64_t modseq = 1) {
    message_state m;
    m.uid = uid;
    m.flags = flags;
    m.modseq = modseq;
    return m;
}

sequence_set set(std::string_view text) { return *parse_sequence_set(text, 100); }

using seqs = std::vector<std::uint32_t>;

TEST(SelectedView, ResolvesSequenceNumbers) {
    selected_view v;
    v.reset({msg(3), msg(7), msg(9)});
    EXPECT_EQ(*v.resolve(set("1:*"), false), (seqs{1, 2, 3}));
    EXPECT_EQ(*v.resolve(set("3,1"), false), (seqs{1, 3}));
    EXPECT_EQ(*v.resolve(set("*:2"), false), (seqs{2, 3}));
    EXPECT_FALSE(v.resolve(set("4"), false));    // beyond the last message
    EXPECT_FALSE(v.resolve(set("2:5"), false));  // partly beyond
    selected_view empty;
    EXPECT_FALSE(empty.resolve(set("*"), false));  // RFC 9051 §9: "*" on an empty mailbox
    EXPECT_EQ(*empty.resolve(set("1:*"), true), seqs{});
}

TEST(SelectedView, ResolvesUids) {
    selected_view v;
    v.reset({msg(3), msg(7), msg(9)});
    EXPECT_EQ(*v.resolve(set("7"), true), seqs{2});
    EXPECT_EQ(*v.resolve(set("4:8"), true), seqs{2});
    EXPECT_EQ(*v.resolve(set("100"), true), seqs{});
    EXPECT_EQ(*v.resolve(set("100:*"), true), seqs{3});  // RFC 9051 §6.4.9: includes the last
    EXPECT_EQ(*v.resolve(set("1:*"), true), (seqs{1, 2, 3}));
    EXPECT_EQ(v.seq_of_uid(9), 3u);
    EXPECT_EQ(v.seq_of_uid(8), 0u);
}

TEST(SelectedView, ExpungesAreNumberedAsTheyAreSent) {
    selected_view v;
    v.reset({msg(1), msg(2), msg(3), msg(4), msg(5)});
    auto u = v.sync({msg(1), msg(3), msg(5)}, true);
    // 2 goes (seq 2), then 4, which is now seq 3.
    EXPECT_EQ(u.expunged, (seqs{2, 3}));
    EXPECT_EQ(u.expunged_uids, (seqs{2, 4}));
    EXPECT_FALSE(u.exists_changed);
    EXPECT_EQ(v.size(), 3u);
    EXPECT_EQ(v.at(3).uid, 5u);
}

TEST(SelectedView, NewMessagesAndFlagChanges) {
    selected_view v;
    v.reset({msg(1), msg(2, flag_seen, 4)});
    auto u = v.sync({msg(1, flag_flagged, 2), msg(2, flag_seen, 4), msg(6)}, true);
    EXPECT_TRUE(u.exists_changed);
    EXPECT_EQ(u.flag_changes, seqs{1});
    EXPECT_EQ(v.size(), 3u);
    EXPECT_EQ(v.at(1).flags, flag_flagged);
    // A keyword change alone is a change too.
    auto fresh = std::vector<message_state>{msg(1, flag_flagged, 2), msg(2, flag_seen, 4), msg(6)};
    fresh[2].keywords = {"$Work"};
    u = v.sync(fresh, true);
    EXPECT_EQ(u.flag_changes, seqs{3});
    EXPECT_FALSE(u.exists_changed);
}

TEST(SelectedView, ExpungesHeldBackStayAsGoneUntilAllowed) {
    selected_view v;
    v.reset({msg(1), msg(2), msg(3)});
    auto u = v.sync({msg(1), msg(3), msg(4)}, false);
    EXPECT_TRUE(u.expunged.empty());
    EXPECT_TRUE(u.exists_changed);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_TRUE(v.at(2).gone);
    EXPECT_EQ(v.at(4).uid, 4u);
    // Still gone in the next held-back sync; no flag change reported for it.
    u = v.sync({msg(1), msg(3), msg(4)}, false);
    EXPECT_TRUE(u.flag_changes.empty());
    EXPECT_EQ(v.size(), 4u);
    EXPECT_TRUE(u.held);  // the session tells it at its next chance
    u = v.sync({msg(1), msg(3), msg(4)}, true);
    EXPECT_FALSE(u.held);
    EXPECT_EQ(u.expunged, seqs{2});
    EXPECT_EQ(v.size(), 3u);
    EXPECT_FALSE(v.at(2).gone);
}

// RFC 3501 §2.3.2: \Recent stays for the session once it had it, is not a
// flag change, and is counted; FLAGS lists it only where asked (rev1).
TEST(SelectedView, RecentIsKeptAndCounted) {
    selected_view v;
    auto first = msg(1), second = msg(2);
    first.recent = true;
    v.reset({first, msg(2)});
    EXPECT_EQ(v.recent(), 1u);
    second.recent = true;
    auto u = v.sync({msg(1), second, msg(3)}, true);  // the store's later view lacks it for 1
    EXPECT_TRUE(u.flag_changes.empty());
    EXPECT_EQ(v.recent(), 2u);
    EXPECT_TRUE(v.at(1).recent && v.at(2).recent && !v.at(3).recent);
    EXPECT_EQ(flag_list(v.at(1), true), "(\\Recent)");
    EXPECT_EQ(flag_list(v.at(1)), "()");
    u = v.sync({msg(2), msg(3)}, true);
    EXPECT_EQ(u.expunged, seqs{1});
    EXPECT_EQ(v.recent(), 1u);
}

TEST(SelectedView, FlagList) {
    auto m = msg(1, flag_seen | flag_deleted | flag_draft | flag_answered | flag_flagged);
    m.keywords = {"$Label", "Work"};
    EXPECT_EQ(flag_list(m), "(\\Seen \\Answered \\Flagged \\Deleted \\Draft $Label Work)");
    EXPECT_EQ(flag_list(msg(2)), "()");
}

}  // namespace
}  // namespace mailroom::imap
