// Taking over a Maildir that Dovecot served: its dovecot-uidlist parsed
// (versions 1 and 3), then a sync that keeps UIDVALIDITY, UIDs, next UID,
// flags and keywords, and the rule that our own list wins over Dovecot's.
#include "store/maildir/dovecot_uidlist.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/failing_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;

TEST(store_dovecot_uidlist, ParsesVersion3WithExtensionFields) {
    auto l = parse_dovecot_uidlist(
        "3 V1796602588 N3 Gd852eb1bdcfa156b617c000083ecc375\n"
        "1 :1796602588.M468407P31841.vm,S=21,W=24\n"
        "2 W26 G0123 :1796602590.M1P2.vm,S=23,W=26:2,S\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->uidvalidity, 1796602588u);
    EXPECT_EQ(l->next_uid, 3u);
    ASSERT_EQ(l->uids.size(), 2u);
    EXPECT_EQ(l->uids.at("1796602588.M468407P31841.vm,S=21,W=24"), 1u);
    EXPECT_EQ(l->uids.at("1796602590.M1P2.vm,S=23,W=26"), 2u);  // the info is not part of the name
}

TEST(store_dovecot_uidlist, NextUidIsAboveTheLastLineWhenTheHeaderLags) {
    auto l = parse_dovecot_uidlist("3 V7 N3 Gx\n1 :a\n5 :b\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->next_uid, 6u);
    auto empty = parse_dovecot_uidlist("3 V7 N40\n");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->next_uid, 40u);
    EXPECT_TRUE(empty->uids.empty());
}

TEST(store_dovecot_uidlist, ParsesVersion1) {
    auto l = parse_dovecot_uidlist("1 1100000000 9\n3 1100000000.M1P2.host:2,RS\n8 1100000001.M1P2.host\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->uidvalidity, 1100000000u);
    EXPECT_EQ(l->next_uid, 9u);
    EXPECT_EQ(l->uids.at("1100000000.M1P2.host"), 3u);
    EXPECT_EQ(l->uids.at("1100000001.M1P2.host"), 8u);
}

TEST(store_dovecot_uidlist, RefusesDamage) {
    for (const char* bad : {
             "",
             "3 V1 N2",                    // torn header
             "2 V1 N2\n",                  // unknown version
             "3 V0 N2\n",                  // no UIDVALIDITY
             "3 Vx N2\n",                  // not a number
             "3 V1 N2\n1 :a",              // torn line
             "3 V1 N2\n2 :a\n1 :b\n",      // UIDs not ascending
             "3 V1 N2\n1 :a\n1 :b\n",      // the same UID twice
             "3 V1 N2\n1 :a\n2 :a:2,S\n",  // the same message twice
             "3 V1 N2\n0 :a\n",            // UID 0
             "3 V1 N2\n1 a\n",             // no ':' before the name
             "3 V1 N2\n1 W2:a\n",          // ':' inside a field
             "3 V1 N2\n1 :\n",             // no name
             "3 V1 N2\n1 :../x\n",         // a path
             "3 V1 N2\n4294967295 :a\n",   // UID out of range
             "1 5 6 7\n",                  // version 1 with an extra field
         })
        EXPECT_FALSE(parse_dovecot_uidlist(bad)) << bad;
}

// A Maildir as Dovecot leaves it (the names, letters and files of a real one).
void write_dovecot_maildir(const fs::path& root) {
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(root / sub);
    std::ofstream(root / "dovecot-uidlist") << "3 V1796602588 N4 Gd852eb1bdcfa156b617c000083ecc375\n"
                                               "1 :1796602588.M468407P31841.vm,S=21,W=24\n"
                                               "2 :1796602588.M484044P31841.vm,S=21,W=24\n"
                                               "3 :1796602592.M892481P32256.vm,S=23,W=26\n";
    std::ofstream(root / "dovecot-keywords") << "0 Work\n1 $Label1\n";
    std::ofstream(root / "cur" / "1796602588.M468407P31841.vm,S=21,W=24:2,Sa") << "Subject: a\n\nbody one\n";
    std::ofstream(root / "cur" / "1796602592.M892481P32256.vm,S=23,W=26:2,Fab") << "Subject: c\n\nbody three\n";
    std::ofstream(root / "new" / "1796602599.M1P9.vm,S=10,W=11") << "late one\n";  // not numbered yet
}

TEST(store_dovecot_uidlist, SyncKeepsDovecotsUidsFlagsAndKeywords) {
    mailroom::test::temp_dir tmp;
    const auto root = tmp.path() / "alice";
    write_dovecot_maildir(root);
    maildir_store st(durable::real_file_system(), root);
    auto box = st.open("INBOX").value();
    auto s = box->sync().value();
    EXPECT_EQ(s.uidvalidity, 1796602588u);
    ASSERT_EQ(s.messages.size(), 3u);
    EXPECT_EQ(s.messages[0].uid, 1u);
    EXPECT_EQ(s.messages[0].flags, seen);
    EXPECT_EQ(s.messages[0].keywords, std::vector<std::string>{"Work"});
    EXPECT_EQ(s.messages[1].uid, 3u);  // 2 was expunged in Dovecot: never given again
    EXPECT_EQ(s.messages[1].flags, flagged);
    EXPECT_EQ(s.messages[1].keywords, (std::vector<std::string>{"$Label1", "Work"}));
    EXPECT_EQ(s.messages[2].uid, 4u);  // the unnumbered file gets Dovecot's next UID
    EXPECT_EQ(s.next_uid, 5u);
    // Ours is now written; Dovecot's is left as it was.
    EXPECT_NE(store::test::slurp(root / "mailroom-uidlist").find("V1796602588 N5"), std::string::npos);
    EXPECT_EQ(store::test::slurp(root / "dovecot-uidlist").find("N5"), std::string::npos);
    // A second store (another process) agrees.
    maildir_store again(durable::real_file_system(), root);
    auto s2 = again.open("INBOX").value()->sync().value();
    EXPECT_EQ(s2.uidvalidity, s.uidvalidity);
    EXPECT_EQ(s2.messages.size(), 3u);
    EXPECT_EQ(s2.messages[2].uid, 4u);
}

TEST(store_dovecot_uidlist, DeliveryBeforeTheFirstSyncLeavesTheUidToTheSync) {
    mailroom::test::temp_dir tmp;
    const auto root = tmp.path() / "alice";
    write_dovecot_maildir(root);
    maildir_store st(durable::real_file_system(), root);
    durable::group_commit gc(durable::real_file_system());
    EXPECT_EQ(store::test::append(st, gc, "delivered\n").value(), 0u);
    auto s = st.open("INBOX").value()->sync().value();
    EXPECT_EQ(s.uidvalidity, 1796602588u);
    ASSERT_EQ(s.messages.size(), 4u);
    EXPECT_EQ(s.messages[0].uid, 1u);
    EXPECT_EQ(s.messages[3].uid, 5u);
    // From now on deliveries are numbered at once again.
    EXPECT_EQ(store::test::append(st, gc, "next\n").value(), 6u);
}

TEST(store_dovecot_uidlist, OurListWinsWhenBothExist) {
    mailroom::test::temp_dir tmp;
    const auto root = tmp.path() / "alice";
    write_dovecot_maildir(root);
    std::ofstream(root / "mailroom-uidlist") << "V42 N10\n7 1796602588.M468407P31841.vm,S=21,W=24\n";
    maildir_store st(durable::real_file_system(), root);
    auto s = st.open("INBOX").value()->sync().value();
    EXPECT_EQ(s.uidvalidity, 42u);
    ASSERT_EQ(s.messages.size(), 3u);
    EXPECT_EQ(s.messages[0].uid, 7u);
    EXPECT_EQ(s.messages[1].uid, 10u);
}

TEST(store_dovecot_uidlist, DamagedDovecotListStartsANewUidSpace) {
    mailroom::test::temp_dir tmp;
    const auto root = tmp.path() / "alice";
    write_dovecot_maildir(root);
    std::ofstream(root / "dovecot-uidlist") << "3 V1796602588 N4\n1 :torn";
    maildir_store st(durable::real_file_system(), root);
    auto s = st.open("INBOX").value()->sync().value();
    EXPECT_NE(s.uidvalidity, 1796602588u);
    ASSERT_EQ(s.messages.size(), 3u);
    EXPECT_EQ(s.messages[0].keywords, std::vector<std::string>{"Work"});  // keywords are in their own file
}

// Failing at every operation: the sync either fails or shows Dovecot's
// UIDs; a later sync shows them too (never a new UID space).
TEST(store_dovecot_uidlist, MigrationFailingAtEveryOperation) {
    for (std::uint64_t n = 1; n < 200; ++n) {
        mailroom::test::temp_dir tmp;
        const auto root = tmp.path() / "alice";
        write_dovecot_maildir(root);
        durable::test::failing_file_system ffs(durable::real_file_system(), n);
        maildir_store st(ffs, root);
        if (auto box = st.open("INBOX"))
            if (auto s = (*box)->sync()) {
                EXPECT_EQ(s->uidvalidity, 1796602588u) << n;
            }
        maildir_store again(durable::real_file_system(), root);
        auto s = again.open("INBOX").value()->sync().value();
        EXPECT_EQ(s.uidvalidity, 1796602588u) << n;
        ASSERT_EQ(s.messages.size(), 3u) << n;
        EXPECT_EQ(s.messages[1].uid, 3u) << n;
        EXPECT_EQ(s.messages[2].uid, 4u) << n;
        if (!ffs.failed()) break;
    }
}

}  // namespace
}  // namespace mailroom::store::maildir
