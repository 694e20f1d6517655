// POP3 UIDL after the upgrade: a mailbox made by the release before the
// store (fixtures/legacy_mailbox, built by fixtures/legacy_generator.cpp.txt
// with storage::maildir at 0f91c53) must show every UIDL and size as that
// release did, so no client downloads old mail again.
#include "server/pop3_maildrop.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::server {
namespace {
namespace fs = std::filesystem;

struct expected_line {
    std::string uidl;
    std::uint64_t size;
};

std::vector<expected_line> expected() {
    std::ifstream in("fixtures/legacy_expected_uidl.txt");
    std::vector<expected_line> out;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::uint32_t uid;
        expected_line e;
        f >> uid >> e.uidl >> e.size;
        out.push_back(e);
    }
    return out;
}

class store_legacy_uidl : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(tmp.path() / "example.test");
        fs::copy("fixtures/legacy_mailbox", tmp.path() / "example.test" / "alice", fs::copy_options::recursive);
    }
    mailroom::test::temp_dir tmp;
};

TEST_F(store_legacy_uidl, EveryUidlIsUnchanged) {
    const auto want = expected();
    ASSERT_EQ(want.size(), 7u);
    for (int round = 0; round < 2; ++round) {  // the first open builds the index, the second reads it
        pop3_maildrop drop;
        auto listing = drop.open(tmp.path(), "alice@example.test");
        ASSERT_TRUE(listing) << listing.error().message();
        ASSERT_EQ(listing->size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ((*listing)[i].uid, want[i].uidl) << i;
            EXPECT_EQ((*listing)[i].size, want[i].size) << i;
        }
        auto reader = drop.open_message(1, store::read_mode::may_block).value();
        std::string body(64, '\0');
        body.resize(reader->read(body).value());
        EXPECT_EQ(body, "Subject: m3\n\nbody 3\n");
    }
}

// New mail continues the old list's numbering; deletions leave the rest as they were.
TEST_F(store_legacy_uidl, NewMailContinuesTheOldNumbering) {
    durable::group_commit commits(durable::real_file_system());
    store::maildir::maildir_store st(durable::real_file_system(), tmp.path() / "example.test" / "alice");
    EXPECT_EQ(store::test::append(st, commits, "new\n").value(), 9u);
    {
        pop3_maildrop drop;
        auto listing = drop.open(tmp.path(), "alice@example.test").value();
        ASSERT_EQ(listing.size(), 8u);
        EXPECT_EQ(listing.back().uid, "6b15d62e00000009");
        ASSERT_TRUE(!drop.apply_deletes({"6b15d62e00000004", "ffffffffffffffff"}));
    }
    pop3_maildrop drop;
    auto listing = drop.open(tmp.path(), "alice@example.test").value();
    const auto want = expected();
    ASSERT_EQ(listing.size(), 7u);
    EXPECT_EQ(listing[1].uid, want[1].uidl);
    EXPECT_EQ(listing[2].uid, want[3].uidl);
    EXPECT_EQ(listing.back().uid, "6b15d62e00000009");
}

// The POP3 lock is POP3's alone: while a session holds it, a second POP3
// session is refused, but delivery and an IMAP-style sync go on.
TEST_F(store_legacy_uidl, PopLockDoesNotBlockDeliveryOrSync) {
    pop3_maildrop first;
    ASSERT_TRUE(first.open(tmp.path(), "alice@example.test"));
    pop3_maildrop second;
    EXPECT_EQ(second.open(tmp.path(), "alice@example.test").error(), errc::in_use);
    durable::group_commit commits(durable::real_file_system());
    store::maildir::maildir_store st(durable::real_file_system(), tmp.path() / "example.test" / "alice");
    EXPECT_EQ(store::test::append(st, commits, "during pop\n").value(), 9u);
    auto box = st.open("INBOX").value();
    EXPECT_EQ(box->sync().value().messages.size(), 8u);
}

}  // namespace
}  // namespace mailroom::server
