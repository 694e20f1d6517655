// queue::inspect reads what a spool wrote, without its lock, and skips what
// recover() would not keep.
#include "queue/inspect.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.hpp"
#include "queue/spool.hpp"
#include "queue_test_util.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::queue {
namespace {

using test::sample_envelope;
using test::sample_message;

TEST(QueueInspect, ListsWhatAnOpenSpoolHoldsOldestFirst) {
    mailroom::test::temp_dir dir;
    auto sp = spool::open(dir.path() / "q");
    ASSERT_TRUE(sp);
    auto first = sample_envelope();
    first.arrived = std::chrono::system_clock::time_point(std::chrono::seconds(2000));
    auto second = sample_envelope();
    second.arrived = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
    const auto id1 = (*sp)->enqueue(first, sample_message("one", 100));
    const auto id2 = (*sp)->enqueue(second, sample_message("two", 50));
    ASSERT_TRUE(id1 && id2);

    auto listed = list_queued(dir.path() / "q");  // the spool stays open and locked
    ASSERT_TRUE(listed) << listed.error().message();
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].env.id, *id2);  // arrived first
    EXPECT_EQ((*listed)[1].env.id, *id1);
    EXPECT_EQ((*listed)[1].size, sample_message("one", 100).size());
    EXPECT_EQ((*listed)[1].env.recipients, first.recipients);

    auto content = read_queued(dir.path() / "q", *id1);
    ASSERT_TRUE(content);
    EXPECT_EQ(content->message, sample_message("one", 100));
    EXPECT_EQ(content->info.env.sender, first.sender);
}

TEST(QueueInspect, SkipsDamagedAndRefusesBadIds) {
    mailroom::test::temp_dir dir;
    auto sp = spool::open(dir.path() / "q");
    ASSERT_TRUE(sp);
    const auto good = (*sp)->enqueue(sample_envelope(), sample_message("x", 10));
    const auto bad = (*sp)->enqueue(sample_envelope(), sample_message("x", 10));
    ASSERT_TRUE(good && bad);
    // The message file of `bad` changes under its record: its checksum no longer matches.
    std::ofstream(dir.path() / "q" / "queue" / (*bad + ".msg"), std::ios::app) << "tampered";
    // A record that does not parse at all is not listed.
    std::ofstream(dir.path() / "q" / "queue" / "00000000deadbeef.env") << "garbage";

    auto listed = list_queued(dir.path() / "q");
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), 2u);  // the cheap listing does not read message files
    EXPECT_EQ(read_queued(dir.path() / "q", *bad).error(), errc::corrupt_data);
    EXPECT_TRUE(read_queued(dir.path() / "q", *good));
    EXPECT_EQ(read_queued(dir.path() / "q", "../../etc/passwd").error(), errc::not_found);
    EXPECT_EQ(read_queued(dir.path() / "q", "0123456789abcdef").error(), errc::not_found);
    EXPECT_EQ(list_queued(dir.path() / "nothing").error(), errc::not_found);
}

}  // namespace
}  // namespace mailroom::queue
