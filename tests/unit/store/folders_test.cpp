// Folders of the Maildir++ store: UTF-8 names in the API and modified UTF-7
// on disk, create/delete/rename with children, subscriptions in Dovecot's
// file format, the special-use folders of a new user, and each of them
// failing at every file operation.
#include "store/maildir/maildir_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.hpp"
#include "store/maildir/subscriptions.hpp"
#include "store/special_use.hpp"
#include "store_helpers.hpp"
#include "support/failing_file_system.hpp"
#include "support/memory_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;
using strings = std::vector<std::string>;
using store::test::names_in;
using store::test::slurp;

class store_folders : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    fs::path root = tmp.path() / "alice";
    maildir_store st{disk, root};

    strings folders() { return st.list_folders().value(); }
    strings subs() { return st.subscriptions().value(); }
    void SetUp() override { ASSERT_FALSE(st.create()); }
};

TEST_F(store_folders, NamesAreUtf8InTheApiAndModifiedUtf7OnDisk) {
    EXPECT_FALSE(st.create_folder("Entwürfe"));
    EXPECT_FALSE(st.create_folder("Archive.2020"));
    EXPECT_FALSE(st.create_folder("A&B"));
    EXPECT_TRUE(fs::is_directory(root / ".Entw&APw-rfe" / "cur"));
    EXPECT_TRUE(fs::exists(root / ".Entw&APw-rfe" / "maildirfolder"));
    EXPECT_TRUE(fs::is_directory(root / ".Archive.2020" / "new"));
    EXPECT_TRUE(fs::is_directory(root / ".A&-B" / "tmp"));
    EXPECT_EQ(folders(), (strings{"INBOX", "A&B", "Archive.2020", "Entwürfe"}));
    EXPECT_EQ(st.create_folder("Entwürfe"), errc::already_exists);
    EXPECT_EQ(st.create_folder("inbox"), errc::already_exists);
    // Messages go where the name says.
    EXPECT_TRUE(store::test::append(st, commits, "x\n", "Entwürfe"));
    EXPECT_EQ(st.open("Entwürfe").value()->sync().value().messages.size(), 1u);
}

TEST_F(store_folders, RefusesNamesItCannotStore) {
    for (const std::string& bad : strings{"", ".a", "a.", "a..b", "a/b", "a\tb", "\xc3(", std::string(300, 'x')})
        EXPECT_EQ(st.create_folder(bad), errc::invalid_argument) << bad;
    EXPECT_EQ(st.subscribe("a/b"), errc::invalid_argument);
}

TEST_F(store_folders, DirectoriesThatAreNotValidNamesAreNotListed) {
    fs::create_directories(root / ".Entwürfe" / "cur");  // raw UTF-8 (not ours, not Dovecot's)
    fs::create_directories(root / ".&AGE-" / "cur");     // not canonical
    fs::create_directories(root / "..deleted.1" / "cur");
    fs::create_directories(root / ".nocur");
    EXPECT_EQ(folders(), strings{"INBOX"});
}

TEST_F(store_folders, RenameMovesChildrenAndTheirSubscriptions) {
    for (auto n : {"Work", "Work.2020", "Work.2020.Q1", "Workshop", "Other"}) ASSERT_FALSE(st.create_folder(n));
    ASSERT_TRUE(store::test::append(st, commits, "kept\n", "Work.2020"));
    for (auto n : {"Work", "Work.2020", "Workshop"}) ASSERT_FALSE(st.subscribe(n));
    EXPECT_FALSE(st.rename_folder("Work", "Büro"));
    EXPECT_EQ(folders(), (strings{"INBOX", "Büro", "Büro.2020", "Büro.2020.Q1", "Other", "Workshop"}));
    EXPECT_EQ(subs(), (strings{"Büro", "Büro.2020", "Workshop"}));
    EXPECT_EQ(st.open("Büro.2020").value()->sync().value().messages.size(), 1u);
    EXPECT_EQ(st.rename_folder("Büro", "Other"), errc::already_exists);
    EXPECT_EQ(st.rename_folder("Nothing", "Else"), errc::not_found);
    EXPECT_EQ(st.rename_folder("INBOX", "Old"), errc::invalid_argument);
    // A child whose new name is taken stops the rename before anything moves.
    ASSERT_FALSE(st.create_folder("New.2020"));
    ASSERT_FALSE(fs::remove(root / ".New" / "maildirfolder"));  // "New" itself does not exist
    EXPECT_EQ(st.rename_folder("Büro", "New"), errc::already_exists);
    EXPECT_TRUE(fs::exists(root / ".B&APw-ro"));
}

TEST_F(store_folders, DeleteRemovesTheFolderButNotItsChildrenNorItsSubscription) {
    ASSERT_FALSE(st.create_folder("Old"));
    ASSERT_FALSE(st.create_folder("Old.Keep"));
    ASSERT_TRUE(store::test::append(st, commits, "gone\n", "Old"));
    ASSERT_FALSE(st.subscribe("Old"));
    std::ofstream(root / ".Old" / "dovecot.index.log") << "Dovecot's";
    EXPECT_FALSE(st.delete_folder("Old"));
    EXPECT_EQ(folders(), (strings{"INBOX", "Old.Keep"}));
    EXPECT_EQ(subs(), strings{"Old"});  // RFC 9051 §6.3.9: never removed unilaterally
    EXPECT_EQ(names_in(root), (strings{".Old.Keep", ".mailroom-index.lock", "cur", "new", "subscriptions", "tmp"}));
    EXPECT_EQ(st.delete_folder("Old"), errc::not_found);
    EXPECT_EQ(st.delete_folder("INBOX"), errc::invalid_argument);
}

TEST_F(store_folders, DeleteSweepsWhatAnEarlierDeletionLeftBehind) {
    fs::create_directories(root / "..deleted.1" / "cur");
    std::ofstream(root / "..deleted.1" / "cur" / "1.M1P1.x") << "half deleted\n";
    ASSERT_FALSE(st.create_folder("Old"));
    EXPECT_FALSE(st.delete_folder("Old"));
    EXPECT_EQ(names_in(root), (strings{"cur", "new", "tmp"}));
}

TEST_F(store_folders, SubscriptionsAreKeptInDovecotsFormat) {
    EXPECT_EQ(subs(), strings{});
    EXPECT_FALSE(st.subscribe("Sent"));
    EXPECT_FALSE(st.subscribe("Archive.2020"));
    EXPECT_FALSE(st.subscribe("Entwürfe"));
    EXPECT_FALSE(st.subscribe("Sent"));
    EXPECT_FALSE(st.subscribe("inbox"));
    // Byte for byte what Dovecot 2.3 wrote for the same subscriptions.
    EXPECT_EQ(slurp(root / "subscriptions"), "V\t2\n\nSent\nArchive\t2020\nEntw&APw-rfe\nINBOX\n");
    EXPECT_EQ(subs(), (strings{"Sent", "Archive.2020", "Entwürfe", "INBOX"}));
    EXPECT_FALSE(st.unsubscribe("Sent"));
    EXPECT_FALSE(st.unsubscribe("Sent"));
    EXPECT_FALSE(st.unsubscribe("INBOX"));
    EXPECT_EQ(subs(), (strings{"Archive.2020", "Entwürfe"}));
}

TEST_F(store_folders, ReadsDovecotsOlderFormatAndKeepsWhatItCannotDecode) {
    std::ofstream(root / "subscriptions") << "Sent\nArchive.2020\nRaw\xc3\xbc\n";
    EXPECT_EQ(subs(), (strings{"Sent", "Archive.2020"}));
    EXPECT_FALSE(st.subscribe("Trash"));
    EXPECT_EQ(slurp(root / "subscriptions"), "V\t2\n\nSent\nArchive\t2020\nRaw\xc3\xbc\nTrash\n");
}

TEST(store_subscriptions, ParserRefusesDamage) {
    EXPECT_EQ(parse_subscriptions("V\t2\n\nA\tB\nA\tB\nC\n"), (strings{"A.B", "C"}));
    EXPECT_EQ(parse_subscriptions(""), strings{});
    EXPECT_EQ(parse_subscriptions("V\t2\n\n"), strings{});
    for (const std::string& bad : strings{"V\t2\n", "A\nB", "A\n\nB\n", "V\t2\n\n\n", std::string(2000, 'x') + "\n"})
        EXPECT_FALSE(parse_subscriptions(bad)) << bad;
}

TEST_F(store_folders, NewUsersGetTheSpecialUseFoldersSubscribed) {
    ASSERT_FALSE(st.create_folder("Sent"));  // one exists already: left alone
    ASSERT_TRUE(store::test::append(st, commits, "sent before\n", "Sent"));
    EXPECT_FALSE(create_special_folders(st));
    EXPECT_EQ(folders(), (strings{"INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"}));
    EXPECT_EQ(subs(), (strings{"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}));
    EXPECT_EQ(st.open("Sent").value()->sync().value().messages.size(), 1u);
    EXPECT_FALSE(create_special_folders(st));  // again: nothing changes
    EXPECT_EQ(subs().size(), 6u);
    EXPECT_EQ(special_use_of("Sent")->attribute, "\\Sent");
    EXPECT_EQ(special_use_of("Junk")->use, special_use::junk);
    EXPECT_FALSE(special_use_of("sent"));
    EXPECT_FALSE(special_use_of("INBOX"));
}

// Every operation failing in turn: a folder is there whole or not at all
// (listed only with cur/), a rename leaves each folder under one of its
// names, the subscriptions file is the old or the new one.
TEST(store_folders_failure, EveryOperationFailingInTurn) {
    for (int what = 0; what < 4; ++what)
        for (std::uint64_t n = 1; n < 300; ++n) {
            // Folder creation is the long one (fsyncs): in memory. Directory
            // renames need the real thing (memory_file_system renames files only).
            durable::test::memory_file_system mem;
            mailroom::test::temp_dir tmp;
            durable::file_system& base = what == 0 ? static_cast<durable::file_system&>(mem)
                                                   : durable::real_file_system();
            const fs::path root = what == 0 ? fs::path("/m/alice") : tmp.path() / "alice";
            {
                maildir_store st(base, root);
                ASSERT_FALSE(st.create_folder("A"));
                ASSERT_FALSE(st.create_folder("A.B"));
                ASSERT_FALSE(st.subscribe("A"));
            }
            durable::test::failing_file_system ffs(base, n);
            maildir_store st(ffs, root);
            std::error_code ec = what == 0   ? create_special_folders(st)
                                 : what == 1 ? st.rename_folder("A", "C")
                                 : what == 2 ? st.delete_folder("A")
                                             : st.unsubscribe("A");
            maildir_store after(base, root);
            auto list = after.list_folders().value();
            auto subs = after.subscriptions().value();
            auto has = [&](const char* f) { return std::find(list.begin(), list.end(), f) != list.end(); };
            for (const auto& f : list) EXPECT_TRUE(after.open(f)) << f << " " << n;
            if (what == 1) {
                EXPECT_NE(has("A"), has("C")) << n;
                EXPECT_NE(has("A.B"), has("C.B")) << n;
                EXPECT_TRUE(subs == strings{"A"} || subs == strings{"C"}) << n;
                if (!ec) {
                    EXPECT_TRUE(has("C") && has("C.B") && subs == strings{"C"}) << n;
                }
            } else if (what == 2) {
                EXPECT_TRUE(has("A.B")) << n;
                if (!ec) {
                    EXPECT_FALSE(has("A")) << n;
                }
            } else if (what == 3) {
                EXPECT_EQ(subs.empty(), !ec || subs.empty()) << n;
                if (!ec) {
                    EXPECT_TRUE(subs.empty()) << n;
                }
            } else if (!ec) {  // memory_file_system lists files only: each folder opened instead
                for (const auto& f : special_folders) EXPECT_TRUE(after.open(f.name)) << f.name << " " << n;
                EXPECT_EQ(subs.size(), 7u) << n;
            }
            if (!ffs.failed()) break;
            ASSERT_LT(n + 1, 300u);
        }
}

}  // namespace
}  // namespace mailroom::store::maildir
