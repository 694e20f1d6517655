// The spool under failure: every operation failing in turn (real file
// system), and a crash at every operation with what a crash may leave on
// disk (memory_file_system). Invariant: an id returned by enqueue recovers
// intact; an enqueue that failed leaves nothing behind (after a crash it may
// come back, but only whole); a successful remove stays removed.
#include "queue/spool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "queue_test_util.hpp"
#include "support/failing_file_system.hpp"
#include "support/memory_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::queue {
namespace {

using durable::directory_lock;
using durable::file_system;
using durable::real_file_system;
using durable::writable_file;

namespace fs = std::filesystem;
using durable::test::failing_file_system;
using durable::test::memory_file_system;
using test::sample_envelope;
using test::sample_message;

// What the callers were told.
struct expectation {
    struct entry {
        std::string message;
        std::vector<envelope> allowed;  // two while an update's outcome is unknown
        bool may_be_gone = false;       // a remove was attempted
    };
    std::mutex mutex;
    std::map<std::string, entry> acked;
    std::set<std::string> removed;
    std::map<std::string, std::string> attempted;  // sender → message, for unacknowledged ones
};

void one_message_life(spool& s, expectation& x, const std::string& tag, bool update, bool remove) {
    auto env = sample_envelope(tag + "@example.test");
    const auto msg = sample_message(tag, 700);
    {
        std::lock_guard l(x.mutex);
        x.attempted[env.sender] = msg;
    }
    auto id = s.enqueue(env, msg);
    if (!id) return;
    env.id = *id;
    {
        std::lock_guard l(x.mutex);
        x.acked[*id] = {msg, {env}, false};
    }
    if (update) {
        auto changed = env;
        changed.attempts = 1;
        changed.recipients[0].state = recipient::status::delivered;
        changed.recipients[1].last_error = "451 4.4.1 later";
        const auto ec = s.update(changed);
        std::lock_guard l(x.mutex);
        auto& allowed = x.acked[*id].allowed;
        if (!ec) allowed = {changed};
        else allowed.push_back(changed);
    }
    if (remove) {
        const auto ec = s.remove(*id);
        std::lock_guard l(x.mutex);
        if (!ec) {
            x.acked.erase(*id);
            x.removed.insert(*id);
        } else {
            x.acked[*id].may_be_gone = true;
        }
    }
}

// open, recover, three messages: one updated, one removed, one left alone.
void scenario(file_system& fsys, const fs::path& dir, expectation& x) {
    auto s = spool::open(dir, fsys);
    if (!s) return;
    (void)(*s)->recover();
    one_message_life(**s, x, "first", true, false);
    one_message_life(**s, x, "second", false, true);
    one_message_life(**s, x, "third", false, false);
}

// threads × messages, each message updated and every third removed.
void threaded_scenario(file_system& fsys, const fs::path& dir, expectation& x, int threads, int per_thread) {
    auto s = spool::open(dir, fsys);
    if (!s) return;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                one_message_life(**s, x, fmt::format("t{}m{}", t, i), i % 2 == 0, i % 3 == 0);
        });
    for (auto& th : pool) th.join();
}

// Reopens the spool (fault-free) and checks the invariant.
void verify(file_system& fsys, const fs::path& dir, expectation& x, bool unacked_may_appear, const std::string& where) {
    SCOPED_TRACE(where);
    auto s = spool::open(dir, fsys);
    ASSERT_TRUE(s) << s.error().message();
    auto rec = (*s)->recover();
    ASSERT_TRUE(rec) << rec.error().message();
    std::set<std::string> seen;
    for (const auto& e : *rec) {
        EXPECT_TRUE(seen.insert(e.id).second) << e.id;
        auto msg = (*s)->read_message(e.id);
        ASSERT_TRUE(msg) << e.id;
        EXPECT_EQ(x.removed.count(e.id), 0u) << "removed message came back: " << e.id;
        if (auto it = x.acked.find(e.id); it != x.acked.end()) {
            EXPECT_EQ(*msg, it->second.message) << e.id;
            EXPECT_NE(std::find(it->second.allowed.begin(), it->second.allowed.end(), e), it->second.allowed.end())
                << "unexpected envelope for " << e.id;
        } else {
            EXPECT_TRUE(unacked_may_appear) << "failed enqueue came back: " << e.id;
            auto want = x.attempted.find(e.sender);
            ASSERT_NE(want, x.attempted.end()) << e.sender;
            EXPECT_EQ(*msg, want->second) << "unacknowledged message not whole: " << e.id;
            auto env = sample_envelope(e.sender);
            env.id = e.id;
            EXPECT_EQ(e, env);
        }
    }
    for (const auto& [id, entry] : x.acked) {
        if (!entry.may_be_gone) {
            EXPECT_EQ(seen.count(id), 1u) << "acknowledged message lost: " << id;
        }
    }
    auto corrupt = fsys.list_directory(dir / "corrupt");
    ASSERT_TRUE(corrupt);
    EXPECT_TRUE(corrupt->empty()) << "a good message was quarantined";
}

TEST(queue_spool_failure, FailingEachOperationInTurnNeverLosesOrHalfQueues) {
    std::uint64_t clean_run = 0;
    {
        mailroom::test::temp_dir tmp;
        failing_file_system counting(real_file_system());
        expectation x;
        scenario(counting, tmp.path() / "q", x);
        clean_run = counting.operations();
        ASSERT_EQ(x.acked.size(), 2u);
    }
    ASSERT_GT(clean_run, 30u);
    for (std::uint64_t n = 1; n <= clean_run + 1; ++n) {
        mailroom::test::temp_dir tmp;
        const auto dir = tmp.path() / "q";
        expectation x;
        {
            failing_file_system failing(real_file_system(), n);
            scenario(failing, dir, x);
            EXPECT_EQ(failing.failed(), n <= clean_run) << n;
        }
        if (fs::exists(dir / "tmp")) {
            EXPECT_TRUE(fs::is_empty(dir / "tmp")) << "leftover after failing op " << n;
        }
        verify(real_file_system(), dir, x, false, "failing operation " + std::to_string(n));
    }
}

TEST(queue_spool_failure, FailingEachOperationWithConcurrentCallers) {
    constexpr int threads = 6, per_thread = 4;
    std::uint64_t clean_run = 0;
    {
        mailroom::test::temp_dir tmp;
        failing_file_system counting(real_file_system());
        expectation x;
        threaded_scenario(counting, tmp.path() / "q", x, threads, per_thread);
        clean_run = counting.operations();
    }
    for (std::uint64_t n = 1; n <= clean_run; n += 3) {
        mailroom::test::temp_dir tmp;
        const auto dir = tmp.path() / "q";
        expectation x;
        {
            failing_file_system failing(real_file_system(), n);
            threaded_scenario(failing, dir, x, threads, per_thread);
        }
        if (fs::exists(dir / "tmp")) {
            EXPECT_TRUE(fs::is_empty(dir / "tmp")) << n;
        }
        verify(real_file_system(), dir, x, false, "failing operation " + std::to_string(n));
    }
}

void check_crash_images(const memory_file_system& mem, expectation& x, const std::string& where) {
    using kind = memory_file_system::crash_kind;
    auto synced = mem.after_crash(kind::synced_only);
    verify(*synced, "/spool", x, true, where + " synced_only");
    auto all = mem.after_crash(kind::everything);
    verify(*all, "/spool", x, true, where + " everything");
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        auto mixed = mem.after_crash(kind::mixed, seed);
        verify(*mixed, "/spool", x, true, where + " mixed seed " + std::to_string(seed));
    }
}

TEST(queue_spool_failure, CrashAtEveryOperationLosesNothingAcknowledged) {
    std::uint64_t clean_run = 0;
    {
        memory_file_system mem;
        expectation x;
        scenario(mem, "/spool", x);
        clean_run = mem.operations();
        ASSERT_EQ(x.acked.size(), 2u);
        check_crash_images(mem, x, "no crash");
    }
    for (std::uint64_t n = 1; n <= clean_run; ++n) {
        memory_file_system mem;
        mem.crash_at(n);
        expectation x;
        scenario(mem, "/spool", x);
        check_crash_images(mem, x, "crash at operation " + std::to_string(n));
    }
}

TEST(queue_spool_failure, CrashDuringGroupCommitLosesNothingAcknowledged) {
    constexpr int threads = 8, per_thread = 6;
    std::uint64_t clean_run = 0;
    {
        memory_file_system mem;
        expectation x;
        threaded_scenario(mem, "/spool", x, threads, per_thread);
        clean_run = mem.operations();
    }
    for (std::uint64_t n = 1; n <= clean_run; n += 5) {
        memory_file_system mem;
        mem.crash_at(n);
        expectation x;
        threaded_scenario(mem, "/spool", x, threads, per_thread);
        check_crash_images(mem, x, "crash at operation " + std::to_string(n));
    }
}

}  // namespace
}  // namespace mailroom::queue
