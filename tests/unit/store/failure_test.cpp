// Fail-the-Nth-operation and crash tests of the store (STYLE.md §9): for
// every N, no acknowledged message is lost or half visible, UIDs that were
// shown stay, and the index can always be rebuilt.
#include "store/maildir/maildir_store.hpp"

#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "store_helpers.hpp"
#include "support/failing_file_system.hpp"
#include "support/memory_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store::maildir {
namespace {
namespace fs = std::filesystem;
using durable::test::failing_file_system;
using durable::test::memory_file_system;

constexpr std::uint64_t max_operations = 400;  // far more than one call needs

mailbox_snapshot real_sync(const fs::path& root) {
    maildir_store st(durable::real_file_system(), root);
    auto box = st.open("INBOX");
    EXPECT_TRUE(box) << box.error().message();
    auto s = (*box)->sync();
    EXPECT_TRUE(s) << s.error().message();
    return s ? *s : mailbox_snapshot{};
}

// A mailbox with three numbered messages, one of them flagged.
mailbox_snapshot prepare(const fs::path& root) {
    maildir_store st(durable::real_file_system(), root);
    durable::group_commit gc(durable::real_file_system());
    for (int i = 1; i <= 3; ++i) store::test::append(st, gc, "message " + std::to_string(i) + "\n").value();
    auto box = st.open("INBOX").value();
    box->sync().value();
    EXPECT_TRUE(!box->store_flags({2}, flag_change::add, seen, {"Work"}));
    return box->sync().value();
}

void expect_same_messages(const mailbox_snapshot& a, const mailbox_snapshot& b, std::uint64_t n) {
    EXPECT_EQ(a.uidvalidity, b.uidvalidity) << n;
    ASSERT_EQ(a.messages.size(), b.messages.size()) << n;
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        EXPECT_EQ(a.messages[i].uid, b.messages[i].uid) << n;
        EXPECT_EQ(a.messages[i].flags, b.messages[i].flags) << n;
        EXPECT_EQ(a.messages[i].keywords, b.messages[i].keywords) << n;
    }
}

TEST(store_failure, AppendFailingAtEveryOperation) {
    for (std::uint64_t n = 1; n < max_operations; ++n) {
        mailroom::test::temp_dir tmp;
        const auto root = tmp.path() / "box";
        const auto before = prepare(root);
        failing_file_system ffs(durable::real_file_system(), n);
        maildir_store st(ffs, root);
        durable::group_commit gc(ffs);
        auto uid = store::test::append(st, gc, "new one\n");
        auto after = real_sync(root);
        EXPECT_TRUE(store::test::names_in(root / "tmp").empty()) << n;
        if (!uid) {
            expect_same_messages(after, before, n);  // nothing half visible
        } else {
            ASSERT_EQ(after.messages.size(), 4u) << n;
            EXPECT_EQ(after.messages.back().uid, 4u) << n;  // given now or by the sync
            if (*uid) {
                EXPECT_EQ(*uid, 4u) << n;
            }
            after.messages.pop_back();
            expect_same_messages(after, before, n);
        }
        if (!ffs.failed()) break;  // every operation of the call has had its turn
        ASSERT_LT(n + 1, max_operations);
    }
}

TEST(store_failure, SyncFlagsAndExpungeFailingAtEveryOperation) {
    for (int what = 0; what < 3; ++what) {
        for (std::uint64_t n = 1; n < max_operations; ++n) {
            mailroom::test::temp_dir tmp;
            const auto root = tmp.path() / "box";
            const auto before = prepare(root);
            fs::remove(root / "mailroom-index");  // make the sync rebuild and write
            failing_file_system ffs(durable::real_file_system(), n);
            maildir_store st(ffs, root);
            std::error_code ec;
            if (auto box = st.open("INBOX"); !box) {
                ec = box.error();
            } else if (auto s = (*box)->sync(); !s) {
                ec = s.error();
            } else if (what == 1) {
                ec = (*box)->store_flags({1, 3}, flag_change::add, flagged, {"Late"});
            } else if (what == 2) {
                ec = (*box)->expunge({1, 3});
            }
            auto after = real_sync(root);
            EXPECT_EQ(after.uidvalidity, before.uidvalidity) << what << " " << n;
            // Message 2 was not touched: it is there with its flags whatever failed.
            auto m2 = std::find_if(after.messages.begin(), after.messages.end(),
                                   [](const message_record& m) { return m.uid == 2; });
            ASSERT_NE(m2, after.messages.end()) << what << " " << n;
            EXPECT_EQ(m2->flags, seen);
            EXPECT_EQ(m2->keywords, std::vector<std::string>{"Work"});
            if (!ec && what == 2) {
                EXPECT_EQ(after.messages.size(), 1u) << n;
            }
            if (ec || what != 2) {
                EXPECT_GE(after.messages.size(), what == 2 ? 1u : 3u) << n;
            }
            if (!ec && what == 1) {
                EXPECT_EQ(after.messages[0].flags, flagged) << n;
            }
            if (!ffs.failed()) break;
            ASSERT_LT(n + 1, max_operations);
        }
    }
}

// A copy keeping keywords, failing at every operation: the copy is there
// with its keywords or not at all; the source is untouched.
TEST(store_failure, CopyWithKeywordsFailingAtEveryOperation) {
    for (std::uint64_t n = 1; n < max_operations; ++n) {
        mailroom::test::temp_dir tmp;
        const auto root = tmp.path() / "box";
        const auto before = prepare(root);
        {
            maildir_store st(durable::real_file_system(), root);
            ASSERT_TRUE(!st.create_folder("Archive"));
        }
        failing_file_system ffs(durable::real_file_system(), n);
        maildir_store st(ffs, root);
        durable::group_commit gc(ffs);
        std::error_code ec;
        if (auto box = st.open("INBOX"); !box) ec = box.error();
        else if (auto uids = copy_messages(**box, {2}, st, "Archive", gc, nullptr); !uids) ec = uids.error();
        expect_same_messages(real_sync(root), before, n);
        maildir_store after(durable::real_file_system(), root);
        auto archive = after.open("Archive").value()->sync().value();
        EXPECT_TRUE(store::test::names_in(root / ".Archive" / "tmp").empty()) << n;
        if (!ec) {
            ASSERT_EQ(archive.messages.size(), 1u) << n;
        }
        ASSERT_LE(archive.messages.size(), 1u) << n;
        if (!archive.messages.empty()) {
            EXPECT_EQ(archive.messages[0].flags, seen) << n;
            EXPECT_EQ(archive.messages[0].keywords, std::vector<std::string>{"Work"}) << n;
        }
        if (!ffs.failed()) break;
        ASSERT_LT(n + 1, max_operations);
    }
}

// A power cut at every instant (memory_file_system keeps only what was
// synced): an acknowledged append survives, and UIDs a sync returned are
// the UIDs after the restart.
TEST(store_failure, PowerCutAtEveryInstant) {
    for (auto kind : {memory_file_system::crash_kind::synced_only, memory_file_system::crash_kind::mixed}) {
        for (std::uint64_t n = 1; n < max_operations; ++n) {
            memory_file_system mem;
            mem.crash_at(n);
            maildir_store st(mem, "/m/box");
            durable::group_commit gc(mem);
            int acknowledged = 0;
            std::optional<mailbox_snapshot> shown;
            if (store::test::append(st, gc, "one\n")) ++acknowledged;
            if (acknowledged == 1 && store::test::append(st, gc, "two\n")) ++acknowledged;
            if (acknowledged == 2)
                if (auto box = st.open("INBOX"))
                    if (auto s = (*box)->sync()) shown = *s;
            const bool crashed = mem.operations() >= n;
            auto disk = mem.after_crash(kind, n);
            maildir_store again(*disk, "/m/box");
            auto box = again.open("INBOX");
            ASSERT_TRUE(box) << n;
            auto s = (*box)->sync();
            ASSERT_TRUE(s) << n << " " << s.error().message();
            EXPECT_GE(s->messages.size(), static_cast<std::size_t>(acknowledged)) << n;
            if (shown) expect_same_messages(*s, *shown, n);
            if (shown) {
                EXPECT_GE(s->highest_modseq, shown->highest_modseq) << n;
            }
            if (!crashed) break;
            ASSERT_LT(n + 1, max_operations);
        }
    }
}

}  // namespace
}  // namespace mailroom::store::maildir
