// The inotify watcher with real files: another program's delivery and flag
// change reach the bus within a second, bursts are coalesced, watches are
// counted by the mailboxes that hold them and end with the last one.
#include "store/inotify_watcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>

#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class store_inotify : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    change_bus bus;
    std::unique_ptr<inotify_watcher> watcher = inotify_watcher::start(bus).value();
    maildir::maildir_store st{durable::real_file_system(), tmp.path() / "alice", &bus, watcher.get()};
    std::mutex mutex;
    std::condition_variable cv;
    int events = 0;

    change_bus::subscription count(const std::string& key) {
        return bus.subscribe(key, [this] {
            std::lock_guard l(mutex);
            ++events;
            cv.notify_all();
        });
    }
    // Waits up to `within` for at least n events; returns how many came.
    int wait_for(int n, std::chrono::milliseconds within) {
        std::unique_lock l(mutex);
        cv.wait_for(l, within, [&] { return events >= n; });
        return events;
    }
    // What another MDA does: write in tmp/, rename into new/.
    void drop(const fs::path& dir, const std::string& name) {
        std::ofstream(dir / "tmp" / name) << "Subject: dropped\n\nby another program\n";
        fs::rename(dir / "tmp" / name, dir / "new" / name);
    }
};

TEST_F(store_inotify, AnotherProgramsDeliveryIsPublishedWithinASecond) {
    ASSERT_FALSE(st.create());
    auto box = st.open("INBOX").value();
    auto sub = count(box->event_key());
    const auto start = std::chrono::steady_clock::now();
    drop(st.root(), "1700000000.M1P1.other");
    EXPECT_EQ(wait_for(1, 1s), 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(box->sync().value().messages.size(), 1u);
}

TEST_F(store_inotify, FlagRenamesInCurAreSeen) {
    ASSERT_FALSE(st.create());
    std::ofstream(st.root() / "cur" / "1.M1P1.x:2,") << "m\n";
    auto box = st.open("INBOX").value();
    auto sub = count(box->event_key());
    fs::rename(st.root() / "cur" / "1.M1P1.x:2,", st.root() / "cur" / "1.M1P1.x:2,S");  // mutt marks it read
    EXPECT_EQ(wait_for(1, 1s), 1);
}

TEST_F(store_inotify, BurstsAreCoalesced) {
    ASSERT_FALSE(st.create());
    auto box = st.open("INBOX").value();
    auto sub = count(box->event_key());
    for (int i = 0; i < 100; ++i) drop(st.root(), "17000000" + std::to_string(i) + ".M1P1.burst");
    EXPECT_GE(wait_for(1, 1s), 1);
    std::this_thread::sleep_for(3 * inotify_watcher::default_coalesce_window);
    std::lock_guard l(mutex);
    EXPECT_LE(events, 5);  // a window of 50 ms each; 100 renames take far less than 250 ms
}

TEST_F(store_inotify, WatchesAreCountedAndEndWithTheLastMailbox) {
    ASSERT_FALSE(st.create());
    ASSERT_FALSE(st.create_folder("Work"));
    auto sub = count(st.folder_dir("INBOX").value().string());
    auto a = st.open("INBOX").value();
    auto b = st.open("INBOX").value();
    auto w = st.open("Work").value();
    EXPECT_EQ(watcher->directories_watched(), 4u);  // new/ and cur/ of INBOX and Work
    a.reset();
    EXPECT_EQ(watcher->directories_watched(), 4u);
    drop(st.root(), "1700000001.M1P1.other");
    EXPECT_EQ(wait_for(1, 1s), 1);
    b.reset();
    EXPECT_EQ(watcher->directories_watched(), 2u);
    drop(st.root(), "1700000002.M1P1.other");
    std::this_thread::sleep_for(4 * inotify_watcher::default_coalesce_window);
    {
        std::lock_guard l(mutex);
        EXPECT_EQ(events, 1);  // INBOX is no longer watched
    }
    w.reset();
    EXPECT_EQ(watcher->directories_watched(), 0u);
}

TEST_F(store_inotify, AMailboxThatCannotBeWatchedStillOpens) {
    auto w = watcher->watch_mailbox(tmp.path() / "nowhere", "k");
    EXPECT_EQ(w, nullptr);
    EXPECT_EQ(watcher->directories_watched(), 0u);
}

TEST_F(store_inotify, StopsWithWatchesOutstanding) {
    ASSERT_FALSE(st.create());
    auto box = st.open("INBOX").value();
    watcher.reset();  // the thread ends; the mailbox's watch becomes inert
    box.reset();
}

}  // namespace
}  // namespace mailroom::store
