#include "queue/spool.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include "common/errors.hpp"
#include "queue/detail/record.hpp"
#include "queue_test_util.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::queue {
namespace {

using durable::directory_lock;
using durable::file_system;
using durable::real_file_system;
using durable::writable_file;

namespace fs = std::filesystem;
using test::sample_envelope;
using test::sample_message;

void write_file(const fs::path& p, std::string_view content) {
    std::ofstream out(p, std::ios::binary);
    out << content;
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

class queue_spool : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    fs::path dir = tmp.path() / "data" / "queue";

    std::unique_ptr<spool> open() {
        auto s = spool::open(dir);
        EXPECT_TRUE(s) << s.error().message();
        return s ? std::move(*s) : nullptr;
    }
};

// Hands its text out in pieces of a given size, and can fail at a piece.
class pieces_source final : public message_source {
public:
    pieces_source(std::string text, std::size_t piece, std::size_t fail_at = 0)
        : text_(std::move(text)), piece_(piece), fail_at_(fail_at) {}
    std::uint64_t size() const noexcept override { return text_.size(); }
    std::error_code copy_to(const sink& to) const override {
        std::size_t n = 0;
        for (std::size_t at = 0; at < text_.size(); at += piece_) {
            if (++n == fail_at_) return std::make_error_code(std::errc::io_error);
            if (auto ec = to(std::string_view(text_).substr(at, piece_))) return ec;
        }
        return {};
    }

private:
    std::string text_;
    std::size_t piece_;
    std::size_t fail_at_;
};

// Forwards to the real file system and records the largest read of a
// message file (.msg): recover() and open_message() must read in pieces.
class read_size_probe final : public file_system {
public:
    std::size_t largest_message_read = 0;

    result<std::unique_ptr<writable_file>> create_exclusive(const fs::path& p) override {
        return real().create_exclusive(p);
    }
    std::error_code rename(const fs::path& a, const fs::path& b) override { return real().rename(a, b); }
    std::error_code unlink(const fs::path& p) override { return real().unlink(p); }
    std::error_code sync_directory(const fs::path& p) override { return real().sync_directory(p); }
    result<std::string> read_file(const fs::path& p) override { return note(p, real().read_file(p)); }
    result<std::vector<std::string>> list_directory(const fs::path& p) override { return real().list_directory(p); }
    result<bool> make_directory(const fs::path& p) override { return real().make_directory(p); }
    result<std::unique_ptr<directory_lock>> lock_exclusive(const fs::path& p) override {
        return real().lock_exclusive(p);
    }
    result<std::unique_ptr<directory_lock>> lock_wait(const fs::path& p) override { return real().lock_wait(p); }
    result<std::unique_ptr<durable::appendable_file>> open_append(const fs::path& p) override {
        return real().open_append(p);
    }
    result<std::string> read_range(const fs::path& p, std::uint64_t off, std::size_t n) override {
        return note(p, real().read_range(p, off, n));
    }
    result<durable::file_info> stat(const fs::path& p) override { return real().stat(p); }
    std::error_code remove_directory(const fs::path& p) override { return real().remove_directory(p); }

private:
    static file_system& real() { return real_file_system(); }
    result<std::string> note(const fs::path& p, result<std::string> r) {
        if (r && p.extension() == ".msg") largest_message_read = std::max(largest_message_read, r->size());
        return r;
    }
};

// A message of several pieces is checked by recover() and read back by
// open_message() piece by piece; damage past the first piece is still found.
TEST_F(queue_spool, LargeMessagesAreRecoveredAndReadInPieces) {
    const auto text = sample_message("large", 5 * stored_message::piece_bytes / 2);
    std::string good, damaged;
    {
        auto s = open();
        ASSERT_TRUE(s);
        good = *s->enqueue(sample_envelope(), text);
        damaged = *s->enqueue(sample_envelope(), text);
    }
    auto bytes = text;
    bytes[2 * stored_message::piece_bytes + 7] ^= 0x20;
    write_file(dir / "queue" / (damaged + ".msg"), bytes);

    read_size_probe probe;
    auto opened = spool::open(dir, probe);
    ASSERT_TRUE(opened);
    auto& s = **opened;
    auto found = s.recover();
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().id, good);
    EXPECT_TRUE(fs::exists(dir / "corrupt" / (damaged + ".msg")));

    auto message = s.open_message(good);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->size(), text.size());
    std::string back;
    std::size_t pieces = 0;
    EXPECT_FALSE(message->copy_to([&](std::string_view piece) {
        ++pieces;
        back += piece;
        return std::error_code{};
    }));
    EXPECT_EQ(back, text);
    EXPECT_EQ(pieces, 3u);
    EXPECT_LE(probe.largest_message_read, stored_message::piece_bytes);
    EXPECT_EQ(s.open_message(damaged).error(), errc::not_found);  // in corrupt/ now
}

// A message copied in pieces (small ones merged, large ones written as
// they come) is stored and checksummed as if it had been one string.
TEST_F(queue_spool, EnqueueFromPiecesIsTheSameAsFromOneString) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<std::pair<std::string, std::string>> queued;
    for (std::size_t piece : {1u, 1000u, 70000u, 300000u}) {
        const auto text = sample_message("pieces" + std::to_string(piece), 250000);
        auto id = s->enqueue(sample_envelope(), pieces_source(text, piece));
        ASSERT_TRUE(id) << id.error().message();
        auto back = s->read_message(*id);
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, text) << piece;
        queued.emplace_back(*id, text);
    }
    // A source that fails midway leaves nothing behind.
    EXPECT_FALSE(s->enqueue(sample_envelope(), pieces_source(sample_message("bad", 10000), 100, 7)));
    EXPECT_TRUE(fs::is_empty(dir / "tmp"));
    s.reset();
    s = open();
    auto found = s->recover();  // checks every size and checksum
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), queued.size());
    EXPECT_TRUE(fs::is_empty(dir / "corrupt"));
}

TEST_F(queue_spool, OpenCreatesPrivateDirectories) {
    fs::create_directories(dir.parent_path());
    auto s = open();
    ASSERT_TRUE(s);
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    for (auto sub : {"tmp", "queue", "corrupt"}) EXPECT_TRUE(fs::is_directory(dir / sub)) << sub;
}

TEST_F(queue_spool, SecondOpenIsRefusedUntilTheFirstCloses) {
    fs::create_directories(dir.parent_path());
    auto first = open();
    ASSERT_TRUE(first);
    auto second = spool::open(dir);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), errc::in_use);
    first.reset();
    EXPECT_TRUE(spool::open(dir));
}

TEST_F(queue_spool, OpenFailsOnAFile) {
    fs::create_directories(dir.parent_path());
    write_file(dir, "not a directory");
    EXPECT_FALSE(spool::open(dir));
}

TEST_F(queue_spool, EnqueueReadUpdateRemoveRecoverRoundTrip) {
    fs::create_directories(dir.parent_path());
    auto s = open();
    ASSERT_TRUE(s);
    const auto msg = sample_message("round trip", 5000);
    auto env = sample_envelope();
    env.id = "ignored";
    auto id = s->enqueue(env, msg);
    ASSERT_TRUE(id) << id.error().message();
    EXPECT_TRUE(std::regex_match(*id, std::regex("[0-9a-f]{16}"))) << *id;
    EXPECT_EQ(s->read_message(*id).value(), msg);
    EXPECT_TRUE(fs::is_empty(dir / "tmp"));

    env.id = *id;
    auto rec = s->recover();
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->size(), 1u);
    EXPECT_EQ(rec->front(), env);

    env.attempts = 2;
    env.next_attempt += std::chrono::minutes(15);
    env.recipients[0].state = recipient::status::delivered;
    env.recipients[1].last_error = "451 4.7.1 try later\r\n";
    EXPECT_FALSE(s->update(env));
    EXPECT_EQ(s->read_message(*id).value(), msg);
    EXPECT_TRUE(fs::is_empty(dir / "tmp"));

    s.reset();  // restart
    s = open();
    rec = s->recover();
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->size(), 1u);
    EXPECT_EQ(rec->front(), env);
    EXPECT_EQ(s->read_message(*id).value(), msg);

    EXPECT_FALSE(s->remove(*id));
    EXPECT_EQ(s->read_message(*id).error(), errc::not_found);
    EXPECT_EQ(s->remove(*id), errc::not_found);
    EXPECT_EQ(s->update(env), errc::not_found);
    EXPECT_TRUE(s->recover()->empty());
    EXPECT_TRUE(names_in(dir / "queue").empty());
}

TEST_F(queue_spool, EmptyMessageAndManyMessagesKeepTheirIds) {
    auto s = open();
    ASSERT_TRUE(s);
    std::map<std::string, std::string> sent;
    for (int i = 0; i < 20; ++i) {
        const auto msg = i == 0 ? std::string() : sample_message(std::to_string(i), 100 * i);
        auto id = s->enqueue(sample_envelope(fmt::format("s{}@example.test", i)), msg);
        ASSERT_TRUE(id);
        EXPECT_TRUE(sent.emplace(*id, msg).second) << "duplicate id " << *id;
    }
    auto rec = s->recover();
    ASSERT_TRUE(rec);
    ASSERT_EQ(rec->size(), sent.size());
    for (std::size_t i = 0; i + 1 < rec->size(); ++i) EXPECT_LT((*rec)[i].id, (*rec)[i + 1].id);
    for (const auto& e : *rec) EXPECT_EQ(s->read_message(e.id).value(), sent.at(e.id));
}

TEST_F(queue_spool, RejectsWhatCannotBeQueued) {
    auto s = open();
    ASSERT_TRUE(s);
    auto env = sample_envelope();
    env.recipients.clear();
    EXPECT_EQ(s->enqueue(env, "x").error(), errc::invalid_argument);
    for (std::string bad : {"", "../../etc/passwd", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0"}) {
        EXPECT_EQ(s->read_message(bad).error(), errc::not_found) << bad;
        EXPECT_EQ(s->remove(bad), errc::not_found) << bad;
        env.id = bad;
        EXPECT_EQ(s->update(env), errc::not_found) << bad;
    }
    EXPECT_TRUE(names_in(dir / "queue").empty());
}

TEST_F(queue_spool, OneCallerAloneFlushesOneBatchPerCommit) {
    auto s = open();
    ASSERT_TRUE(s);
    auto id = s->enqueue(sample_envelope(), "hello\r\n");
    ASSERT_TRUE(id);
    auto env = sample_envelope();
    env.id = *id;
    ASSERT_FALSE(s->update(env));
    ASSERT_FALSE(s->remove(*id));
    const auto c = s->counters();
    EXPECT_EQ(c.commits, 3u);
    EXPECT_EQ(c.flush_batches, 3u);
    EXPECT_EQ(c.fsyncs, 3u + 2u + 1u);  // 2 files + dir, 1 file + dir, dir
}

// What a crash can leave behind, made by hand: only the acknowledged
// messages come back, leftovers go, unverifiable pairs go to corrupt/.
TEST_F(queue_spool, RecoverAfterSimulatedCrashesReturnsExactlyTheAcknowledged) {
    std::map<std::string, std::string> acked;
    {
        auto s = open();
        ASSERT_TRUE(s);
        for (int i = 0; i < 8; ++i) {
            const auto msg = sample_message("m" + std::to_string(i), 300 + i);
            auto id = s->enqueue(sample_envelope(), msg);
            ASSERT_TRUE(id);
            acked[*id] = msg;
        }
    }
    const auto q = dir / "queue";
    std::vector<std::string> ids;
    for (const auto& [id, m] : acked) ids.push_back(id);
    // 0, 1: leftovers of half-done enqueues that were never acknowledged.
    fs::rename(q / (ids[0] + ".env"), dir / "tmp" / (ids[0] + ".env"));  // message without envelope
    fs::remove(q / (ids[1] + ".msg"));                                   // envelope without message
    // 2: truncated envelope; 3: truncated message; 4: message bytes damaged;
    // 5: an envelope naming another id.
    auto env2 = detail::parse_record(*real_file_system().read_file(q / (ids[2] + ".env")));
    ASSERT_TRUE(env2);
    const auto text2 = *real_file_system().read_file(q / (ids[2] + ".env"));
    write_file(q / (ids[2] + ".env"), text2.substr(0, text2.size() / 2));
    write_file(q / (ids[3] + ".msg"), acked[ids[3]].substr(0, 100));
    auto damaged = acked[ids[4]];
    damaged[10] = '#';
    write_file(q / (ids[4] + ".msg"), damaged);
    fs::copy_file(q / (ids[6] + ".env"), q / (ids[5] + ".env"), fs::copy_options::overwrite_existing);
    // Leftovers in tmp/ and a file that is not ours.
    write_file(dir / "tmp" / "feedfacefeedface.msg", "half a mess");
    write_file(dir / "tmp" / "junk", "");
    write_file(q / "README", "not a queue file");
    write_file(q / "0123.msg", "short id");

    auto s = open();
    ASSERT_TRUE(s);
    auto rec = s->recover();
    ASSERT_TRUE(rec);
    std::set<std::string> got;
    for (const auto& e : *rec) {
        got.insert(e.id);
        EXPECT_EQ(s->read_message(e.id).value(), acked.at(e.id));
    }
    EXPECT_EQ(got, (std::set<std::string>{ids[6], ids[7]}));
    EXPECT_TRUE(fs::is_empty(dir / "tmp"));
    EXPECT_EQ(names_in(q), (std::set<std::string>{"README", "0123.msg", ids[6] + ".msg", ids[6] + ".env",
                                                  ids[7] + ".msg", ids[7] + ".env"}));
    std::set<std::string> corrupt;
    for (int i : {2, 3, 4, 5}) {
        corrupt.insert(ids[i] + ".msg");
        corrupt.insert(ids[i] + ".env");
    }
    EXPECT_EQ(names_in(dir / "corrupt"), corrupt);
    // Recovery is idempotent.
    auto again = s->recover();
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *rec);
}

}  // namespace
}  // namespace mailroom::queue
