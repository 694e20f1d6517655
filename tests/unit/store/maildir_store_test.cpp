#include "store/maildir/maildir_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>

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
    // "three" has no final line end and keeps none (BODY[] is what was appended).
    const std::uint64_t sizes[] = {4, 4, 5}, wire[] = {5, 5, 5};
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
    EXPECT_EQ(box->read(3, 0, 100).value(), "three");
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
// end as CRLF; a lone CR is content; no line end is added at the end.
TEST_F(store_maildir, StreamedAppendNormalisesAtEverySplit) {
    const std::string in = "a\r\nb\rc\r\n\r\nd\r";
    const std::string stored = "a\nb\rc\n\nd\r";
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
    // INTERNALDATE is the mtime (an IMAP APPEND with a date sets it), not the name's time.
    fs::last_write_time(st.root() / "new" / "1600000000.foreign.host",
                        std::chrono::file_clock::from_sys(std::chrono::sys_seconds(std::chrono::seconds(1500000000))));
    EXPECT_TRUE(box->changed_since_sync().value());
    auto s = sync(*box);
    ASSERT_EQ(s.messages.size(), 3u);
    // Numbered in delivery-time order, after every UID already given.
    EXPECT_EQ(s.messages[1].uid, 2u);
    EXPECT_EQ(s.messages[1].size, 17u);
    EXPECT_EQ(s.messages[1].crlf_size, 20u);
    EXPECT_EQ(s.messages[1].internal_date, 1500000000);
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
    auto left = sync(*box);
    ASSERT_EQ(left.messages.size(), 1u);
    EXPECT_EQ(append(st, commits, "new\n", "INBOX", 0, 1 << 20, &bus).value(), 4u);
    EXPECT_EQ(events, 2);
    // (Which one is left depends on how the names sort: "M<usecs>" is not zero-padded.)
    ASSERT_TRUE(!box->store_flags({left.messages[0].uid}, flag_change::add, deleted, {}));
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

TEST_F(store_maildir, CopyKeepsKeywordsAndAppendTakesThem) {
    append(st, commits, "tagged\n").value();
    ASSERT_TRUE(!st.create_folder("Archive"));
    // The destination knows other keywords already: letters are its own.
    std::ofstream(st.root() / ".Archive" / "dovecot-keywords") << "0 Other\n";
    auto box = inbox();
    sync(*box);
    ASSERT_TRUE(!box->store_flags({1}, flag_change::add, flagged, {"Work", "$Forwarded"}));
    ASSERT_TRUE(copy_messages(*box, {1}, st, "Archive", commits, &bus));
    auto s = st.open("Archive").value()->sync().value();
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0].flags, flagged);
    EXPECT_EQ(s.messages[0].keywords, (std::vector<std::string>{"$Forwarded", "Work"}));
    EXPECT_EQ(slurp(st.root() / ".Archive" / "dovecot-keywords"), "0 Other\n1 $Forwarded\n2 Work\n");
    ASSERT_EQ(names_in(st.root() / ".Archive" / "cur").size(), 1u);
    EXPECT_TRUE(names_in(st.root() / ".Archive" / "cur")[0].ends_with(":2,Fbc"));
    // An APPEND with keywords only: in cur/, no system flag.
    auto w = st.begin_append("INBOX").value();
    ASSERT_TRUE(!w->write("appended\n"));
    auto p = w->finish_with_keywords(0, {"Later"});
    ASSERT_TRUE(p);
    std::vector<pending_append> one;
    one.push_back(std::move(*p));
    ASSERT_TRUE(commit_appends(commits, std::move(one), nullptr));
    auto in = sync(*box);
    ASSERT_EQ(in.messages.size(), 2u);
    EXPECT_EQ(in.messages[1].keywords, std::vector<std::string>{"Later"});
    auto bad = st.begin_append("INBOX").value();
    EXPECT_EQ(bad->finish_with_keywords(0, {"\\Seen"}).error(), errc::invalid_argument);
}

TEST_F(store_maildir, VanishedSinceGivesTheUidsExpungedAfterAModseq) {
    for (int i = 0; i < 6; ++i) append(st, commits, "m\n").value();
    auto box = inbox();
    const auto m0 = sync(*box).highest_modseq;
    EXPECT_TRUE(box->vanished_since(m0).empty());
    ASSERT_TRUE(!box->expunge({2, 3}));
    const auto m1 = sync(*box).highest_modseq;
    EXPECT_GT(m1, m0);
    ASSERT_TRUE(!box->expunge({5}));
    fs::remove(st.root() / "cur" / "x");  // nothing
    const auto m2 = sync(*box).highest_modseq;
    EXPECT_EQ(box->vanished_since(m0), (std::vector<uid_range>{{2, 3}, {5, 5}}));
    EXPECT_EQ(box->vanished_since(m1), (std::vector<uid_range>{{5, 5}}));
    EXPECT_TRUE(box->vanished_since(m2).empty());
    // Kept in the index: another process (a new mailbox object) knows it too.
    auto other = st.open("INBOX").value();
    other->sync().value();
    EXPECT_EQ(other->vanished_since(m0), (std::vector<uid_range>{{2, 3}, {5, 5}}));
    // A lost index forgets: every UID not present is reported, never fewer.
    fs::remove(st.root() / "mailroom-index");
    auto rebuilt = st.open("INBOX").value();
    const auto m3 = rebuilt->sync().value().highest_modseq;
    EXPECT_GT(m3, m2);
    EXPECT_EQ(rebuilt->vanished_since(m0), (std::vector<uid_range>{{2, 3}, {5, 5}}));
    EXPECT_EQ(rebuilt->vanished_since(m2), (std::vector<uid_range>{{2, 3}, {5, 5}}));
    EXPECT_TRUE(rebuilt->vanished_since(m3).empty());
}

TEST_F(store_maildir, OpenRemovesTmpFilesOlderThan36Hours) {
    ASSERT_TRUE(!st.create());
    const auto old = st.root() / "tmp" / "1.M1P1.crashed";
    const auto young = st.root() / "tmp" / "2.M1P1.writing";
    std::ofstream(old) << "half";
    std::ofstream(young) << "in progress";
    fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(37));
    fs::last_write_time(young, fs::file_time_type::clock::now() - std::chrono::hours(35));
    inbox();
    EXPECT_FALSE(fs::exists(old));
    EXPECT_TRUE(fs::exists(young));
}

TEST(store_mailbox_path, DomainThenLocalPart) {
    EXPECT_EQ(mailbox_path("/data/mail", "alice@example.test"), fs::path("/data/mail/example.test/alice"));
    EXPECT_EQ(mailbox_path("/data/mail", "a@b@example.test"), fs::path("/data/mail/example.test/a@b"));
}

}  // namespace
}  // namespace mailroom::store::maildir
