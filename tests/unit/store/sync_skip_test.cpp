// store::maildir sync without a rescan: a warm open takes the listing from
// the index while new/, cur/ and the uidlist are as the index recorded them
// (maildir_scan.hpp), and still sees every change made since by delivery,
// another session, POP3's expunge, or another program by hand; a directory
// changed within the last second is never trusted (same-mtime changes).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;
using store::test::append;
using store::test::slurp;

class store_sync_skip : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    maildir_store st{disk, tmp.path() / "example.test" / "alice"};

    void SetUp() override {
        for (const char* m : {"one\n", "two\n", "three\n"}) append(st, commits, m).value();
    }
    // Moves the directories' mtimes 10 s back: as if the last change were long ago.
    void age() {
        const auto then = fs::file_time_type::clock::now() - std::chrono::seconds(10);
        for (const char* sub : {"new", "cur"}) fs::last_write_time(st.root() / sub, then);
    }
    mailbox_snapshot open_and_sync() { return st.open("INBOX").value()->sync().value(); }
    bool index_has_stamps() { return slurp(st.root() / "mailroom-index").find(" S") != std::string::npos; }
    std::string one_file(const char* sub) {
        for (const auto& e : fs::directory_iterator(st.root() / sub)) return e.path().filename().string();
        return {};
    }
    static std::vector<std::uint32_t> uids(const mailbox_snapshot& s) {
        std::vector<std::uint32_t> out;
        for (const auto& m : s.messages) out.push_back(m.uid);
        return out;
    }
};

TEST_F(store_sync_skip, WarmOpenTakesTheListingFromTheIndex) {
    age();
    const auto cold = open_and_sync();
    EXPECT_TRUE(index_has_stamps());
    const auto warm = open_and_sync();
    EXPECT_EQ(uids(warm), uids(cold));
    EXPECT_EQ(warm.uidvalidity, cold.uidvalidity);
    EXPECT_EQ(warm.next_uid, cold.next_uid);
    EXPECT_EQ(warm.highest_modseq, cold.highest_modseq);
    auto box = st.open("INBOX").value();
    box->sync().value();
    EXPECT_EQ(box->read(2, 0, 100).value(), "two\n");  // the file names came from the index
    // Proof that nothing was listed: a file slipped in with the directory's
    // mtime put back is not seen; with the mtime as the kernel leaves it, it is.
    const auto mtime = fs::last_write_time(st.root() / "cur");
    std::ofstream(st.root() / "cur" / "1600000000.hand.host:2,") << "by hand\n";
    fs::last_write_time(st.root() / "cur", mtime);
    EXPECT_EQ(open_and_sync().messages.size(), 3u);
    fs::last_write_time(st.root() / "cur", mtime + std::chrono::seconds(1));
    EXPECT_EQ(uids(open_and_sync()), (std::vector<std::uint32_t>{1, 2, 3, 4}));
}

TEST_F(store_sync_skip, ChangesByOthersAreSeenAfterAWarmOpen) {
    age();
    open_and_sync();
    auto box = st.open("INBOX").value();
    ASSERT_EQ(box->sync().value().messages.size(), 3u);  // warm: from the index
    // Delivery.
    EXPECT_EQ(append(st, commits, "four\n").value(), 4u);
    EXPECT_EQ(uids(box->sync().value()), (std::vector<std::uint32_t>{1, 2, 3, 4}));
    // Another session flags and expunges (POP3's DELE at QUIT is the same expunge).
    age();
    open_and_sync();
    auto other = st.open("INBOX").value();
    other->sync().value();
    ASSERT_FALSE(other->store_flags({1}, flag_change::add, flagged, {}));
    ASSERT_FALSE(other->expunge({2}));
    auto s = box->sync().value();
    EXPECT_EQ(uids(s), (std::vector<std::uint32_t>{1, 3, 4}));
    EXPECT_EQ(s.messages[0].flags, flagged);
    // Another program, by hand: a rename that sets \Seen, then an unlink.
    age();
    open_and_sync();
    box->sync().value();
    for (const auto& e : fs::directory_iterator(st.root() / "cur")) {
        const auto name = e.path().filename().string();
        if (name.find(":2,F") != std::string::npos) fs::rename(e.path(), st.root() / "cur" / (name + "S"));
    }
    s = box->sync().value();
    EXPECT_EQ(s.messages[0].flags, flagged | seen);
    age();
    open_and_sync();
    const auto newer = one_file("new");
    ASSERT_FALSE(newer.empty());
    fs::remove(st.root() / "new" / newer);
    s = box->sync().value();
    EXPECT_EQ(s.messages.size(), 2u);
    EXPECT_EQ(uids(open_and_sync()), uids(s));
}

// RFC 3501-style \Recent claims and the uidlist are index-side facts: a warm
// open still honours them, and a lost uidlist still means a new UID space.
TEST_F(store_sync_skip, ALostUidlistIsNoticedWithTheDirectoriesUnchanged) {
    age();
    const auto cold = open_and_sync();
    fs::remove(st.root() / "mailroom-uidlist");
    const auto after = open_and_sync();
    EXPECT_NE(after.uidvalidity, cold.uidvalidity);
    EXPECT_EQ(after.messages.size(), 3u);
    EXPECT_TRUE(fs::exists(st.root() / "mailroom-uidlist"));
}

// A directory changed within the last second may change again with the same
// mtime: its stamps are not recorded, so such a change is still seen.
TEST_F(store_sync_skip, ADirectoryChangedJustNowIsRescannedNextTime) {
    open_and_sync();  // new/ was written just now (SetUp)
    EXPECT_FALSE(index_has_stamps());
    const auto mtime = fs::last_write_time(st.root() / "new");
    std::ofstream(st.root() / "new" / "1600000000.same.tick") << "same tick\n";
    fs::last_write_time(st.root() / "new", mtime);  // the coarse clock had not moved
    EXPECT_EQ(open_and_sync().messages.size(), 4u);
}

}  // namespace
}  // namespace mailroom::store::maildir
