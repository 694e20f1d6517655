// maildirsize: usage summed over every folder, kept incrementally by
// append, expunge and folder deletion, recomputed when it cannot be trusted.
#include "store/maildir/maildirsize.hpp"

#include <gtest/gtest.h>
#include <sys/time.h>

#include <fstream>

#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;
using store::test::append;
using store::test::slurp;

class maildirsize : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    maildir_store st{disk, tmp.path() / "example.test" / "alice"};

    void SetUp() override {
        ASSERT_FALSE(st.create());
        ASSERT_FALSE(st.create_folder("Archive"));
    }
    usage read() {
        auto u = read_usage(st.root());
        EXPECT_TRUE(u) << u.error().message();
        return u ? *u : usage{-1, -1};
    }
};

TEST_F(maildirsize, NoMailboxHoldsNothing) {
    auto u = compute_usage(tmp.path() / "nobody");
    ASSERT_TRUE(u);
    EXPECT_EQ(*u, (usage{0, 0}));
}

TEST_F(maildirsize, SumsEveryFolderAndKeepsUpOnAppend) {
    ASSERT_TRUE(append(st, commits, "12345\n"));                   // 6 octets
    ASSERT_TRUE(append(st, commits, "abc\r\nde\r\n", "Archive"));  // stored with LF: 7
    EXPECT_EQ(read(), (usage{13, 2}));
    EXPECT_TRUE(fs::exists(st.root() / usage_file));
    // From now on the file is appended to, not recomputed.
    ASSERT_TRUE(append(st, commits, "x", "INBOX", flag::seen));  // "x\n", into cur/
    EXPECT_EQ(read(), (usage{15, 3}));
    EXPECT_NE(slurp(st.root() / usage_file).find("\n2 1\n"), std::string::npos);
    EXPECT_EQ(*compute_usage(st.root()), (usage{15, 3}));
}

TEST_F(maildirsize, ExpungeSubtracts) {
    ASSERT_TRUE(append(st, commits, "12345\n"));
    ASSERT_TRUE(append(st, commits, "1234567890\n"));
    EXPECT_EQ(read(), (usage{17, 2}));
    auto box = st.open("INBOX");
    ASSERT_TRUE(box);
    ASSERT_TRUE((*box)->sync());
    ASSERT_FALSE((*box)->expunge({2}));
    EXPECT_EQ(read(), (usage{6, 1}));
    ASSERT_FALSE((*box)->expunge({2, 1}));  // 2 is gone already: counted once
    EXPECT_EQ(read(), (usage{0, 0}));
}

TEST_F(maildirsize, DeletedFolderIsRecomputed) {
    ASSERT_TRUE(append(st, commits, "12345\n"));
    ASSERT_TRUE(append(st, commits, "123\n", "Archive"));
    EXPECT_EQ(read(), (usage{10, 2}));
    ASSERT_FALSE(st.delete_folder("Archive"));
    EXPECT_EQ(read(), (usage{6, 1}));
}

TEST_F(maildirsize, DamagedOrLongFileIsRecomputed) {
    ASSERT_TRUE(append(st, commits, "12345\n"));
    EXPECT_EQ(read(), (usage{6, 1}));
    {
        std::ofstream f(st.root() / usage_file, std::ios::app);
        f << "99 9";  // torn: no newline
    }
    EXPECT_EQ(read(), (usage{6, 1}));
    {
        std::ofstream f(st.root() / usage_file, std::ios::app);
        for (int i = 0; i < 1000; ++i) f << "1000 1\n";  // > 5120 octets
    }
    EXPECT_EQ(read(), (usage{6, 1}));
    EXPECT_LT(fs::file_size(st.root() / usage_file), 64u);
    // Negative totals cannot be: recomputed.
    {
        std::ofstream f(st.root() / usage_file, std::ios::app);
        f << "-100 -5\n";
    }
    EXPECT_EQ(read(), (usage{6, 1}));
}

TEST_F(maildirsize, OldFileIsRecomputedAndMissingOneNotAddedTo) {
    ASSERT_TRUE(append(st, commits, "12345\n"));
    // No file yet: an append records nothing, the first read computes.
    EXPECT_FALSE(fs::exists(st.root() / usage_file));
    EXPECT_EQ(read(), (usage{6, 1}));
    {
        std::ofstream f(st.root() / usage_file, std::ios::app);
        f << "500 5\n";  // a change another program made up
    }
    EXPECT_EQ(read(), (usage{506, 6}));
    const auto file = (st.root() / usage_file).string();
    struct timeval old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
    ASSERT_EQ(::utimes(file.c_str(), old), 0);
    EXPECT_EQ(read(), (usage{6, 1}));
    forget_usage(st.root());
    EXPECT_FALSE(fs::exists(st.root() / usage_file));
}

TEST(maildirsize_root, FolderBelongsToItsParent) {
    EXPECT_EQ(usage_root_of("/m/d/alice"), fs::path("/m/d/alice"));
    EXPECT_EQ(usage_root_of("/m/d/alice/.Archive"), fs::path("/m/d/alice"));
}

}  // namespace
}  // namespace mailroom::store::maildir
