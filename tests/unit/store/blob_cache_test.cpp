// The per-message blob cache (mailbox::cached_blob / cache_blob): kept
// across mailbox objects, seen by another session, bounded keys and sizes,
// discarded whole when damaged or of another UIDVALIDITY, never returning
// data of a replaced file, and failing at every operation without harm.
#include "store/maildir/blob_cache.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/failing_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;

class store_blob_cache : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    maildir_store st{disk, tmp.path() / "alice"};

    std::unique_ptr<mailbox> synced() {
        auto box = st.open("INBOX").value();
        box->sync().value();
        return box;
    }
    void SetUp() override {
        for (int i = 0; i < 3; ++i) store::test::append(st, commits, "message\n").value();
    }
};

TEST_F(store_blob_cache, KeptPerUidAndKeyAcrossSessions) {
    auto a = synced();
    EXPECT_EQ(a->cached_blob(1, "envelope").value(), std::nullopt);
    ASSERT_FALSE(a->cache_blob(1, "envelope", "(\"date\" \"subject\" NIL)"));
    ASSERT_FALSE(a->cache_blob(1, "bodystructure", std::string("with\nnew lines\0and NUL", 22)));
    ASSERT_FALSE(a->cache_blob(2, "envelope", ""));
    EXPECT_EQ(a->cached_blob(1, "envelope").value(), "(\"date\" \"subject\" NIL)");
    EXPECT_EQ(a->cached_blob(2, "envelope").value(), "");
    EXPECT_EQ(a->cached_blob(3, "envelope").value(), std::nullopt);
    // Another session opened before the blobs were written finds them too.
    auto b = synced();
    ASSERT_FALSE(a->cache_blob(3, "envelope", "three"));
    EXPECT_EQ(b->cached_blob(3, "envelope").value(), "three");
    EXPECT_EQ(b->cached_blob(1, "bodystructure").value(), std::string("with\nnew lines\0and NUL", 22));
    ASSERT_FALSE(b->cache_blob(1, "envelope", "replaced"));  // a later one wins
    EXPECT_EQ(synced()->cached_blob(1, "envelope").value(), "replaced");
}

TEST_F(store_blob_cache, RefusesBadKeysSizesAndUnknownUids) {
    auto a = synced();
    for (const char* bad : {"", "Envelope", "a b", "a\n", "123456789012345678901234567890123"})
        EXPECT_EQ(a->cache_blob(1, bad, "x"), errc::invalid_argument) << bad;
    EXPECT_EQ(a->cache_blob(1, "big", std::string(mailbox::max_cached_blob_bytes + 1, 'x')), errc::invalid_argument);
    EXPECT_FALSE(a->cache_blob(1, "big", std::string(mailbox::max_cached_blob_bytes, 'x')));
    EXPECT_EQ(a->cache_blob(9, "envelope", "x"), errc::not_found);
    EXPECT_EQ(a->cached_blob(9, "envelope").error(), errc::not_found);
}

TEST_F(store_blob_cache, ExpungedMessagesLoseTheirBlobs) {
    auto a = synced();
    ASSERT_FALSE(a->cache_blob(2, "envelope", "two"));
    ASSERT_FALSE(a->expunge({2}));
    a->sync().value();
    EXPECT_EQ(a->cached_blob(2, "envelope").error(), errc::not_found);
}

TEST_F(store_blob_cache, DamageDiscardsTheFileNeverReturnsWrongData) {
    auto a = synced();
    ASSERT_FALSE(a->cache_blob(1, "envelope", "one"));
    ASSERT_FALSE(a->cache_blob(2, "envelope", "two"));
    // A torn record at the end (a crash mid-append): the next scan starts afresh.
    { std::ofstream(st.root() / blob_file, std::ios::app) << "7 3 envelope 100\nshort"; }
    auto b = synced();
    EXPECT_EQ(b->cached_blob(3, "envelope").value(), std::nullopt);
    EXPECT_EQ(b->cached_blob(1, "envelope").value(), std::nullopt);
    ASSERT_FALSE(b->cache_blob(3, "envelope", "three"));
    EXPECT_EQ(synced()->cached_blob(3, "envelope").value(), "three");
    // Session a still holds offsets into the old file: they fail the check.
    EXPECT_EQ(a->cached_blob(1, "envelope").value(), std::nullopt);
    EXPECT_EQ(a->cached_blob(3, "envelope").value(), "three");
}

TEST_F(store_blob_cache, AnotherUidValidityIsNotUsed) {
    auto a = synced();
    ASSERT_FALSE(a->cache_blob(1, "envelope", "old space"));
    fs::remove(st.root() / "mailroom-uidlist");  // a new UID space: UID 1 may be another message
    auto b = st.open("INBOX").value();
    b->sync().value();
    EXPECT_EQ(b->cached_blob(1, "envelope").value(), std::nullopt);
    ASSERT_FALSE(b->cache_blob(1, "envelope", "new space"));
    EXPECT_EQ(b->cached_blob(1, "envelope").value(), "new space");
}

TEST_F(store_blob_cache, FailingAtEveryOperation) {
    ASSERT_FALSE(synced()->cache_blob(1, "envelope", "kept"));
    for (std::uint64_t n = 1; n < 200; ++n) {
        const auto root = tmp.path() / ("copy" + std::to_string(n));
        fs::copy(st.root(), root, fs::copy_options::recursive);
        durable::test::failing_file_system ffs(disk, n);
        maildir_store failing(ffs, root);
        if (auto box = failing.open("INBOX"); box && (*box)->sync()) {
            if (auto one = (*box)->cached_blob(1, "envelope"); one && *one) {
                EXPECT_EQ(**one, "kept") << n;
            }
            (*box)->cache_blob(2, "envelope", "two");
            if (auto two = (*box)->cached_blob(2, "envelope"); two && *two) {
                EXPECT_EQ(**two, "two") << n;
            }
        }
        // A cache may lose things; it never returns what was not stored.
        maildir_store after(disk, root);
        auto box = after.open("INBOX").value();
        box->sync().value();
        auto one = box->cached_blob(1, "envelope").value();
        auto two = box->cached_blob(2, "envelope").value();
        EXPECT_TRUE(!one || *one == "kept") << n;
        EXPECT_TRUE(!two || *two == "two") << n;
        if (!ffs.failed()) break;
        ASSERT_LT(n + 1, 200u);
    }
}

}  // namespace
}  // namespace mailroom::store::maildir
