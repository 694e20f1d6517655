// durable::group_commit across directories (the Maildir case: one message
// staged into several mailboxes' tmp/ and renamed into each new/), and the
// clean-up after a failure. The spool's own tests cover one directory,
// crashes and concurrency.
#include "durable/group_commit.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/errors.hpp"
#include "support/failing_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::durable {
namespace {

namespace fs = std::filesystem;

// Forwards to the real file system and counts the directory fsyncs per path.
class recording_file_system final : public file_system {
public:
    result<std::unique_ptr<writable_file>> create_exclusive(const fs::path& p) override {
        return real_file_system().create_exclusive(p);
    }
    std::error_code rename(const fs::path& a, const fs::path& b) override { return real_file_system().rename(a, b); }
    std::error_code unlink(const fs::path& p) override { return real_file_system().unlink(p); }
    std::error_code sync_directory(const fs::path& p) override {
        {
            std::lock_guard lock(mutex);
            ++directory_syncs[p];
        }
        return real_file_system().sync_directory(p);
    }
    result<std::string> read_file(const fs::path& p) override { return real_file_system().read_file(p); }
    result<std::vector<std::string>> list_directory(const fs::path& p) override {
        return real_file_system().list_directory(p);
    }
    result<bool> make_directory(const fs::path& p) override { return real_file_system().make_directory(p); }
    result<std::unique_ptr<directory_lock>> lock_exclusive(const fs::path& p) override {
        return real_file_system().lock_exclusive(p);
    }
    // The store's operations, unchanged (this fake only watches the rest).
    result<std::unique_ptr<directory_lock>> lock_wait(const std::filesystem::path& p) override {
        return real_file_system().lock_wait(p);
    }
    result<std::unique_ptr<appendable_file>> open_append(const std::filesystem::path& p) override {
        return real_file_system().open_append(p);
    }
    result<std::string> read_range(const std::filesystem::path& p, std::uint64_t off, std::size_t n) override {
        return real_file_system().read_range(p, off, n);
    }
    result<file_info> stat(const std::filesystem::path& p) override { return real_file_system().stat(p); }
    std::error_code remove_directory(const std::filesystem::path& p) override {
        return real_file_system().remove_directory(p);
    }

    std::mutex mutex;
    std::map<fs::path, int> directory_syncs;
};

struct mailbox_dirs {
    fs::path tmp, final;
};

std::vector<mailbox_dirs> make_mailboxes(const fs::path& root, int n) {
    std::vector<mailbox_dirs> out;
    for (int i = 0; i < n; ++i) {
        const fs::path box = root / ("box" + std::to_string(i));
        fs::create_directories(box / "tmp");
        fs::create_directories(box / "new");
        out.push_back({box / "tmp", box / "new"});
    }
    return out;
}

commit stage_into(file_system& fsys, const std::vector<mailbox_dirs>& boxes, const std::string& name,
                  const std::string& content) {
    commit c;
    for (const auto& b : boxes) {
        auto staged = stage_file(fsys, b.tmp / name, b.final / name, content);
        EXPECT_TRUE(staged) << staged.error().message();
        if (staged) c.files.push_back(std::move(*staged));
    }
    return c;
}

TEST(GroupCommit, OneCommitIntoSeveralDirectoriesSyncsEachOnce) {
    mailroom::test::temp_dir dir;
    recording_file_system rec;
    group_commit committer(rec);
    const auto boxes = make_mailboxes(dir.path(), 3);

    auto c = stage_into(rec, boxes, "m1", "hello\n");
    ASSERT_FALSE(committer.run_and_clean_up(c, true));
    for (const auto& b : boxes) {
        EXPECT_TRUE(fs::exists(b.final / "m1"));
        EXPECT_FALSE(fs::exists(b.tmp / "m1"));
        EXPECT_EQ(rec.directory_syncs[b.final], 1) << b.final;
        EXPECT_EQ(rec.directory_syncs.count(b.tmp), 0u) << "tmp/ needs no fsync";
    }
    EXPECT_EQ(committer.counters().fsyncs, 3u /*files*/ + 3u /*directories*/);
}

TEST(GroupCommit, ConcurrentCommitsToOneDirectoryShareItsFsync) {
    mailroom::test::temp_dir dir;
    recording_file_system rec;
    group_commit committer(rec);
    const auto boxes = make_mailboxes(dir.path(), 1);

    constexpr int threads = 16, per_thread = 10;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto c = stage_into(rec, boxes, "t" + std::to_string(t) + "." + std::to_string(i), "x\n");
                EXPECT_FALSE(committer.run_and_clean_up(c, true));
            }
        });
    }
    for (auto& w : workers) w.join();

    std::size_t delivered = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(boxes[0].final)) ++delivered;
    EXPECT_EQ(delivered, static_cast<std::size_t>(threads * per_thread));
    const auto s = committer.counters();
    EXPECT_EQ(s.commits, static_cast<std::uint64_t>(threads * per_thread));
    // One directory fsync per batch, never one per commit beyond that.
    EXPECT_EQ(rec.directory_syncs[boxes[0].final], static_cast<int>(s.batches));
    std::printf("group commit: %llu commits in %llu batches\n", static_cast<unsigned long long>(s.commits),
                static_cast<unsigned long long>(s.batches));
}

// Fails every operation in turn: after a failed commit no directory holds
// the message, neither in tmp/ nor in new/ (all or nothing, so a client
// retrying after 451 gets no duplicate); after a success every one does.
TEST(GroupCommit, AFailureAtAnyOperationLeavesNoCopyBehind) {
    mailroom::test::temp_dir dir;
    const auto boxes = make_mailboxes(dir.path(), 3);
    std::uint64_t total = 0;
    {
        test::failing_file_system counting(real_file_system());
        group_commit committer(counting);
        auto c = stage_into(counting, boxes, "count", "x\n");
        ASSERT_FALSE(committer.run_and_clean_up(c, true));
        total = counting.operations();
        for (const auto& b : boxes) fs::remove(b.final / "count");
    }
    ASSERT_GT(total, 6u);
    for (std::uint64_t n = 1; n <= total; ++n) {
        test::failing_file_system failing(real_file_system(), n);
        group_commit committer(failing);
        const std::string name = "m" + std::to_string(n);
        commit c;
        bool staged_all = true;
        for (const auto& b : boxes) {
            auto staged = stage_file(failing, b.tmp / name, b.final / name, "x\n");
            if (!staged) {
                staged_all = false;
                for (const auto& f : c.files) real_file_system().unlink(f.tmp);
                break;
            }
            c.files.push_back(std::move(*staged));
        }
        const bool ok = staged_all && !committer.run_and_clean_up(c, true);
        int in_new = 0, in_tmp = 0;
        for (const auto& b : boxes) {
            in_new += fs::exists(b.final / name);
            in_tmp += fs::exists(b.tmp / name);
        }
        EXPECT_EQ(in_tmp, 0) << "failing operation " << n;
        EXPECT_EQ(in_new, ok ? 3 : 0) << "failing operation " << n;
    }
}

}  // namespace
}  // namespace mailroom::durable
