#include "store/maildir/maildir_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "common/errors.hpp"
#include "store/change_bus.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;
using store::test::append;
using store::test::names_in;
using store::test::slurp;

class store_maildir : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    change_bus bus;
    maildir_store st{disk, tmp.path() / "example.test" / "alice", &bus};

    mailbox_snapshot sync(mailbox& m) {
        auto s = m.sync();
        EXPECT_TRUE(s) << s.error().message();
        return s ? *s : mailbox_snapshot{};
    }
    std::unique_ptr<mailbox> inbox() {
        auto m = st.open("INBOX");
        EXPECT_TRUE(m) << m.error().message();
        return std::move(*m);
    }
};

TEST_F(store_maildir, AppendNumbersAtDeliveryAndSyncAgrees) {
    const std::time_t before = std::time(nullptr);
    EXPECT_EQ(append(st, commits, "one\r\n").value(), 1u);
    EXPECT_EQ(append(st, commits, "two\n").value(), 2u);
    EXPECT_EQ(append(st, commits, "three").value(), 3u);
    EXPECT_NE(slurp(st.root() / "mailroom-uidlist").find("+3 "), std::string::npos);
    auto box = inbox();
    auto s = sync(*box);
    ASSERT_EQ(s.messages.size(), 3u);
    EXPECT_EQ(s.next_uid, 4u);
    EXPECT_NE(s.uidvalidity, 0u);
    const std::uint64_t sizes[] = {4, 4, 6}, wire[] = {5, 5, 7};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& m = s.messages[i];
        EXPECT_EQ(m.uid, i + 1);
        EXPECT_EQ(m.size, sizes[i]);
        EXPECT_EQ(m.crlf_size, wire[i]);
        EXPECT_GE(m.internal_date, before);
        EXPECT_LE(m.internal_date, std::time(nullptr));
        EXPECT_GT(m.modseq, 0u);
        EXPECT_LE(m.modseq, s.highest_modseq);
    }
    // The sync folded the delivery's "+" lines into a durable rewrite.
    EXPECT_EQ(slurp(st.root() / "mailroom-uidlist").find('+'), std::string::npos);
    EXPECT_EQ(box->read(3, 0, 100).value(), "three\n");
    EXPECT_EQ(box->read(3, 2, 2).value(), "re");
    EXPECT_EQ(box->read(3, 10, 2).value(), "");
    EXPECT_EQ(box->read(9, 0, 2).error(), errc::not_found);
    EXPECT_TRUE(names_in(st.root() / "tmp").empty());
    // Nothing changed: the same view, and no rewrite.
    auto again = sync(*box);
    EXPECT_EQ(again.highest_modseq, s.highest_modseq);
    EXPECT_EQ(again.messages.size(), 3u);
}

// CRLF becomes LF across any chunk split; the wire size counts every line
// end as CRLF; a lone CR is content.
TEST_F(store_maildir, StreamedAppendNormalisesAtEverySplit) {
    const std::string in = "a\r\nb\rc\r\n\r\nd\r";
    const std::string stored = "a\nb\rc\n\nd\r\n";
    for (std::size_t split = 1; split <= in.size(); ++split) {
        mailroom::test::temp_dir d;
        maildir_store s(disk, d.path() / "box");
        auto uid = append(s, commits, in, "INBOX", 0, split);
        ASSERT_TRUE(uid) << uid.error().message();
        auto box = s.open("INBOX").value();
        auto snap = box->sync().value();
        ASSERT_EQ(snap.messages.size(), 1u);
        EXPECT_EQ(box->read(*uid, 0, 100).value(), stored) << split;
        EXPECT_EQ(snap.messages[0].size, stored.size());
        EXPECT_EQ(snap.messages[0].crlf_size, stored.size() + 3) << split;  // 3 LFs without a CR before them
    }
}

TEST_F(store_maildir, FlagsAndKeywordsLiveInNamesAndRaiseModseq) {
    append(st, commits, "one\n").value();
    append(st, commits, "two\n").value();
    auto box = inbox();
    auto s0 = sync(*box);
    ASSERT_TRUE(!box->store_flags({1}, flag_change::add, seen | flagged, {"$Forwarded"}));
    EXPECT_EQ(slurp(st.root() / "dovecot-keywords"), "0 $Forwarded\n");
    auto cur = names_in(st.root() / "cur");
    ASSERT_EQ(cur.size(), 1u);
    EXPECT_TRUE(cur[0].ends_with(":2,FSa")) << cur[0];
    auto s1 = sync(*box);
    EXPECT_EQ(s1.messages[0].flags, seen | flagged);
    EXPECT_EQ(s1.messages[0].keywords, std::vector<std::string>{"$Forwarded"});
    EXPECT_GT(s1.messages[0].modseq, s0.highest_modseq);
    EXPECT_EQ(s1.messages[1].modseq, s0.messages[1].modseq);
    EXPECT_EQ(s1.highest_modseq, s1.messages[0].modseq);
    ASSERT_TRUE(!box->store_flags({1, 2, 77}, flag_change::remove, flagged, {}));
    ASSERT_TRUE(!box->store_flags({2}, flag_change::replace, answered | draft, {"Junk", "$Forwarded"}));
    auto s2 = sync(*box);
    EXPECT_EQ(s2.messages[0].flags, seen);
    EXPECT_EQ(s2.messages[0].keywords, std::vector<std::string>{"$Forwarded"});
    EXPECT_EQ(s2.messages[1].flags, answered | draft);
    EXPECT_EQ(s2.messages[1].keywords, (std::vector<std::string>{"$Forwarded", "Junk"}));
    EXPECT_GT(s2.highest_modseq, s1.highest_modseq);
    EXPECT_EQ(box->store_flags({1}, flag_change::add, 0, {"bad keyword"}), errc::invalid_argument);
    EXPECT_EQ(box->read(2, 0, 10).value(), "two\n");  // found under its new name
}

// The index is a cache: delete it and nothing is lost; MODSEQs restart
// higher, never lower. Without the uidlist the messages stay, under a new
// UIDVALIDITY.
TEST_F(store_maildir, IndexRebuildsFromTheMaildir) {
    for (int i = 0; i < 3; ++i) append(st, commits, "m" + std::to_string(i) + "\n").value();
    auto box = inbox();
    sync(*box);
    ASSERT_TRUE(!box->store_flags({2}, flag_change::add, seen, {"Work"}));
    auto before = sync(*box);
    fs::remove(st.root() / "mailroom-index");
    auto rebuilt = sync(*box);
    ASSERT_EQ(rebuilt.messages.size(), 3u);
    EXPECT_EQ(rebuilt.uidvalidity, before.uidvalidity);
    EXPECT_EQ(rebuilt.next_uid, before.next_uid);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(rebuilt.messages[i].uid, before.messages[i].uid);
        EXPECT_EQ(rebuilt.messages[i].flags, before.messages[i].flags);
        EXPECT_EQ(rebuilt.messages[i].keywords, before.messages[i].keywords);
        EXPECT_EQ(rebuilt.messages[i].size, before.messages[i].size);
        EXPECT_EQ(rebuilt.messages[i].internal_date, before.messages[i].internal_date);
        EXPECT_GT(rebuilt.messages[i].modseq, before.highest_modseq);
    }
    // A damaged index counts as missing.
    std::ofstream(st.root() / "mailroom-index") << "mailroom-index 1 V1 M5\n1 9 0 0 0 -\n";
    auto again = sync(*box);
    EXPECT_GT(again.highest_modseq, rebuilt.highest_modseq);
    fs::remove(st.root() / "mailroom-uidlist");
    auto fresh = sync(*box);
    ASSERT_EQ(fresh.messages.size(), 3u);
    EXPECT_GT(fresh.uidvalidity, before.uidvalidity);
    EXPECT_EQ(fresh.messages[1].flags, seen);
    EXPECT_EQ(fresh.messages[1].keywords, std::vector<std::string>{"Work"});
}

TEST_F(store_maildir, FilesOfOtherProgramsAreNumberedAtTheNextSync) {
    append(st, commits, "ours\n").value();
    auto box = inbox();
    sync(*box);
    EXPECT_FALSE(box->changed_since_sync().value());
    std::ofstream(st.root() / "new" / "1600000000.foreign.host") << "Subject: x\n\nbody\n";
    std::ofstream(st.root() / "cur" / "1600000001.foreign.host:2,S") << "seen\n";
    EXPECT_TRUE(box->changed_since_sync().value());
    auto s = sync(*box);
    ASSERT_EQ(s.messages.size(), 3u);
    // Numbered in delivery-time order, after every UID already given.
    EXPECT_EQ(s.messages[1].uid, 2u);
    EXPECT_EQ(s.messages[1].size, 17u);
    EXPECT_EQ(s.messages[1].crlf_size, 20u);
    EXPECT_EQ(s.messages[1].internal_date, 1600000000);
    EXPECT_EQ(s.messages[2].flags, seen);
    EXPECT_FALSE(box->changed_since_sync().value());
    EXPECT_EQ(append(st, commits, "later\n").value(), 4u);
}

TEST_F(store_maildir, ExpungedUidsAreNeverGivenAgain) {
    for (int i = 0; i < 3; ++i) append(st, commits, "m\n").value();
    auto box = inbox();
    auto s0 = sync(*box);
    int events = 0;
    auto sub = bus.subscribe(box->event_key(), [&] { ++events; });
    ASSERT_TRUE(!box->expunge({2, 99}));
    EXPECT_EQ(events, 1);
    EXPECT_EQ(box->read(2, 0, 10).error(), errc::not_found);
    auto s1 = sync(*box);
    ASSERT_EQ(s1.messages.size(), 2u);
    EXPECT_GT(s1.highest_modseq, s0.highest_modseq);
    // Removed by another program: noticed at the next sync.
    fs::remove(st.root() / "new" / names_in(st.root() / "new").back());
    EXPECT_EQ(sync(*box).messages.size(), 1u);
    EXPECT_EQ(append(st, commits, "new\n", "INBOX", 0, 1 << 20, &bus).value(), 4u);
    EXPECT_EQ(events, 2);
    ASSERT_TRUE(!box->store_flags({1}, flag_change::add, deleted, {}));
    EXPECT_EQ(events, 3);
}

TEST_F(store_maildir, FoldersAreMaildirPlusPlus) {
    EXPECT_EQ(append(st, commits, "inbox\n").value(), 1u);  // its lock files are no folders
    EXPECT_EQ(st.list_folders().value(), std::vector<std::string>{"INBOX"});
    ASSERT_TRUE(!st.create_folder("Work"));
    ASSERT_TRUE(!st.create_folder("Work.Reports"));
    EXPECT_EQ(st.create_folder("Work"), errc::already_exists);
    EXPECT_EQ(st.create_folder("inbox"), errc::already_exists);
    for (const char* bad : {"", ".x", "x.", "a..b", "a/b", "x\n"})
        EXPECT_EQ(st.create_folder(bad), errc::invalid_argument) << bad;
    EXPECT_TRUE(fs::exists(st.root() / ".Work" / "maildirfolder"));
    EXPECT_TRUE(fs::is_directory(st.root() / ".Work.Reports" / "cur"));
    EXPECT_EQ(st.list_folders().value(), (std::vector<std::string>{"INBOX", "Work", "Work.Reports"}));
    EXPECT_EQ(append(st, commits, "report\n", "Work.Reports", seen).value(), 1u);
    ASSERT_TRUE(!st.rename_folder("Work", "Jobs"));
    EXPECT_EQ(st.list_folders().value(), (std::vector<std::string>{"INBOX", "Jobs", "Jobs.Reports"}));
    auto reports = st.open("Jobs.Reports").value();
    auto s = reports->sync().value();
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0].flags, seen);
    EXPECT_EQ(st.open("Work").error(), errc::not_found);
    EXPECT_EQ(st.delete_folder("INBOX"), errc::invalid_argument);
    ASSERT_TRUE(!st.delete_folder("Jobs.Reports"));
    EXPECT_EQ(st.list_folders().value(), (std::vector<std::string>{"INBOX", "Jobs"}));
    EXPECT_EQ(st.begin_append("Nowhere").error(), errc::not_found);
}

TEST_F(store_maildir, CopyKeepsFlagsAndGivesNewUids) {
    append(st, commits, "first\n").value();
    append(st, commits, std::string(200000, 'x') + "\n").value();
    ASSERT_TRUE(!st.create_folder("Archive"));
    auto box = inbox();
    sync(*box);
    ASSERT_TRUE(!box->store_flags({2}, flag_change::add, answered, {}));
    auto uids = copy_messages(*box, {2, 1, 42}, st, "Archive", commits, &bus);
    ASSERT_TRUE(uids) << uids.error().message();
    EXPECT_EQ(*uids, (std::vector<std::uint32_t>{1, 2}));
    auto archive = st.open("Archive").value();
    auto s = archive->sync().value();
    ASSERT_EQ(s.messages.size(), 2u);
    EXPECT_EQ(s.messages[0].flags, answered);
    EXPECT_EQ(s.messages[0].size, 200001u);
    EXPECT_EQ(archive->read(1, 0, 300000).value(), std::string(200000, 'x') + "\n");
    EXPECT_EQ(archive->read(2, 0, 100).value(), "first\n");
}

TEST(store_mailbox_path, DomainThenLocalPart) {
    EXPECT_EQ(mailbox_path("/data/mail", "alice@example.test"), fs::path("/data/mail/example.test/alice"));
    EXPECT_EQ(mailbox_path("/data/mail", "a@b@example.test"), fs::path("/data/mail/example.test/a@b"));
}

}  // namespace
}  // namespace mailroom::store::maildir
