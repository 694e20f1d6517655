// Group commit: many callers at once, each told "durable" only when it is,
// sharing flushes; plus the throughput figures (printed, not asserted).
#include "queue/spool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/errors.hpp"
#include "queue_test_util.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::queue {
namespace {

using durable::directory_lock;
using durable::file_system;
using durable::real_file_system;
using durable::writable_file;

using test::sample_envelope;
using test::sample_message;

struct sent_message {
    std::string id, message;
};

std::vector<sent_message> enqueue_from_threads(spool& s, int threads, int per_thread, std::size_t size) {
    std::vector<std::vector<sent_message>> per(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto msg = sample_message(fmt::format("thread {} message {}", t, i), size);
                msg.resize(size);
                auto id = s.enqueue(sample_envelope(fmt::format("t{}m{}@example.test", t, i)), msg);
                ASSERT_TRUE(id) << id.error().message();
                per[static_cast<std::size_t>(t)].push_back({*id, std::move(msg)});
            }
        });
    for (auto& th : pool) th.join();
    std::vector<sent_message> all;
    for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
    return all;
}

TEST(queue_spool_concurrency, SixteenThreadsEveryIdRecoversOnceWithItsContent) {
    mailroom::test::temp_dir tmp;
    auto s = spool::open(tmp.path() / "q");
    ASSERT_TRUE(s);
    const auto sent = enqueue_from_threads(**s, 16, 50, 1024);
    ASSERT_EQ(sent.size(), 800u);
    const auto c = (*s)->counters();
    EXPECT_EQ(c.commits, 800u);
    EXPECT_LT(c.flush_batches, c.commits);
    std::cout << "16 threads x 50: " << c.commits << " commits in " << c.flush_batches << " batches, " << c.fsyncs
              << " fsyncs\n";
    s->reset();

    auto again = spool::open(tmp.path() / "q");
    ASSERT_TRUE(again);
    auto rec = (*again)->recover();
    ASSERT_TRUE(rec);
    std::map<std::string, int> seen;
    for (const auto& e : *rec) ++seen[e.id];
    ASSERT_EQ(seen.size(), sent.size());
    for (const auto& m : sent) {
        EXPECT_EQ(seen[m.id], 1) << m.id;
        EXPECT_EQ((*again)->read_message(m.id).value(), m.message) << m.id;
    }
}

// Forwards to the real file system; the first sync_data waits until the
// test opens the gate (so the callers meanwhile gather into one batch), and
// syncing a file whose content says POISON fails with EIO.
class gated_file_system final : public file_system {
public:
    void open_gate() {
        std::lock_guard l(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    void wait_until_blocked() {
        std::unique_lock l(mutex_);
        changed_.wait(l, [this] { return blocked_; });
    }

    result<std::unique_ptr<writable_file>> create_exclusive(const std::filesystem::path& p) override {
        auto f = real_file_system().create_exclusive(p);
        if (!f) return f.error();
        return std::unique_ptr<writable_file>(std::make_unique<file>(*this, std::move(*f)));
    }
    std::error_code rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
        return real_file_system().rename(a, b);
    }
    std::error_code unlink(const std::filesystem::path& p) override { return real_file_system().unlink(p); }
    std::error_code sync_directory(const std::filesystem::path& p) override {
        return real_file_system().sync_directory(p);
    }
    result<std::string> read_file(const std::filesystem::path& p) override { return real_file_system().read_file(p); }
    result<std::vector<std::string>> list_directory(const std::filesystem::path& p) override {
        return real_file_system().list_directory(p);
    }
    result<bool> make_directory(const std::filesystem::path& p) override {
        return real_file_system().make_directory(p);
    }
    result<std::unique_ptr<directory_lock>> lock_exclusive(const std::filesystem::path& p) override {
        return real_file_system().lock_exclusive(p);
    }
    // The store's operations, unchanged (this fake only watches the rest).
    result<std::unique_ptr<durable::directory_lock>> lock_wait(const std::filesystem::path& p) override {
        return real_file_system().lock_wait(p);
    }
    result<std::unique_ptr<durable::appendable_file>> open_append(const std::filesystem::path& p) override {
        return real_file_system().open_append(p);
    }
    result<std::string> read_range(const std::filesystem::path& p, std::uint64_t off, std::size_t n) override {
        return real_file_system().read_range(p, off, n);
    }
    result<durable::file_info> stat(const std::filesystem::path& p) override { return real_file_system().stat(p); }
    std::error_code remove_directory(const std::filesystem::path& p) override {
        return real_file_system().remove_directory(p);
    }

private:
    class file final : public writable_file {
    public:
        file(gated_file_system& fs, std::unique_ptr<writable_file> inner) : fs_(fs), inner_(std::move(inner)) {}
        std::error_code write_all(std::string_view b) override {
            poison_ = poison_ || b.find("POISON") != std::string_view::npos;
            return inner_->write_all(b);
        }
        std::error_code sync_data() override {
            fs_.pass_gate();
            if (poison_) return {EIO, std::generic_category()};
            return inner_->sync_data();
        }

    private:
        gated_file_system& fs_;
        std::unique_ptr<writable_file> inner_;
        bool poison_ = false;
    };

    void pass_gate() {
        std::unique_lock l(mutex_);
        if (!blocked_) {
            blocked_ = true;
            changed_.notify_all();
        }
        changed_.wait(l, [this] { return open_; });
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    bool blocked_ = false, open_ = false;
};

TEST(queue_spool_concurrency, CallersArrivingDuringAFlushShareTheNextAndAFailedSyncFailsThemAll) {
    mailroom::test::temp_dir tmp;
    gated_file_system gated;
    auto opened = spool::open(tmp.path() / "q", gated);
    ASSERT_TRUE(opened);
    auto& s = **opened;

    // The first caller leads a batch of one and stops inside its flush.
    std::string first_id;
    std::thread first([&] { first_id = s.enqueue(sample_envelope(), "first\r\n").value(); });
    gated.wait_until_blocked();

    // Meanwhile eight more arrive; one message is poisoned.
    constexpr int followers = 8;
    std::vector<result<std::string>> outcomes(followers, make_error_code(errc::ok));
    std::vector<std::thread> pool;
    for (int i = 0; i < followers; ++i)
        pool.emplace_back([&, i] {
            outcomes[static_cast<std::size_t>(i)] = s.enqueue(sample_envelope(),
                                                              i == 5 ? "POISON\r\n"
                                                                     : fmt::format("follower {}\r\n", i));
        });
    // They write their files and join; waiting for that is the test's job.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    gated.open_gate();
    first.join();
    for (auto& th : pool) th.join();

    EXPECT_EQ(first_id.size(), 16u);
    for (const auto& o : outcomes) EXPECT_EQ(o.error(), std::errc::io_error);
    const auto c = s.counters();
    EXPECT_EQ(c.commits, 1u + followers);
    EXPECT_EQ(c.flush_batches, 2u);
    auto rec = s.recover();
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->size(), 1u);
    EXPECT_EQ(rec->front().id, first_id);
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path() / "q" / "tmp"));
}

TEST(queue_spool_concurrency, ThroughputWithOneKibMessages) {
    for (const int threads : {1, 16, 50}) {
        const int per_thread = threads == 1 ? 200 : 1600 / threads;
        mailroom::test::temp_dir tmp;
        auto s = spool::open(tmp.path() / "q");
        ASSERT_TRUE(s);
        const auto start = std::chrono::steady_clock::now();
        const auto sent = enqueue_from_threads(**s, threads, per_thread, 1024);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        const auto c = (*s)->counters();
        std::cout << fmt::format(
            "queue throughput: threads={} messages={} seconds={:.3f} messages/s={:.0f} "
            "batches={} fsyncs={}\n",
            threads, sent.size(), took.count(), static_cast<double>(sent.size()) / took.count(), c.flush_batches,
            c.fsyncs);
    }
}

}  // namespace
}  // namespace mailroom::queue
