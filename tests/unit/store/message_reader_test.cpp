// store::message_reader: a Maildir message read front to back in ranges,
// from the file held open (message_file) and through mailbox::read()
// (range_reader, on a file system other than the real one); the cached-only
// mode and a file renamed by another client between the listing and the read.
#include "store/message_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"
#include "store_helpers.hpp"
#include "support/memory_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store {
namespace {

// Reads the rest of the message in ranges of `range` octets; every range
// but the last is full.
std::string read_all(message_reader& r, std::size_t range) {
    std::string out, buf(range, '\0');
    const auto start = r.position();
    for (;;) {
        auto n = r.read(buf);
        EXPECT_TRUE(n) << n.error().message();
        if (!n) return out;
        out.append(buf, 0, *n);
        EXPECT_EQ(r.position(), start + out.size());
        if (*n < range) return out;
    }
}

std::string message_of(std::size_t bytes) {
    std::string m = "Subject: ranges\n\n";
    for (std::size_t i = 0; m.size() < bytes; ++i) m += "line " + std::to_string(i) + "\n";
    return m;
}

class store_message_reader : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    durable::group_commit commits{disk};
    maildir::maildir_store st{disk, tmp.path() / "example.test" / "alice"};

    std::unique_ptr<mailbox> synced_inbox() {
        auto box = st.open("INBOX").value();
        EXPECT_TRUE(box->sync());
        return box;
    }
};

TEST_F(store_message_reader, ReadsInRangesWithTheFileKeptOpen) {
    const auto text = message_of(100000);
    const auto uid = test::append(st, commits, text).value();
    auto box = synced_inbox();
    for (std::size_t range : {1u, 7u, 4096u, 65536u, 200000u}) {
        auto r = box->open_message(uid, read_mode::may_block).value();
        EXPECT_EQ(read_all(*r, range), text) << range;
    }
    // The file is held open: removing it does not stop a read under way.
    auto r = box->open_message(uid, read_mode::may_block).value();
    std::string first(10, '\0');
    ASSERT_EQ(r->read(first).value(), 10u);
    ASSERT_TRUE(!box->expunge({uid}));
    EXPECT_EQ(first + read_all(*r, 4096), text);
    EXPECT_EQ(box->open_message(uid, read_mode::may_block).error(), errc::not_found);
}

TEST_F(store_message_reader, CachedReadsTakeWhatIsInMemory) {
    const auto text = message_of(20000);
    const auto uid = test::append(st, commits, text).value();
    auto box = synced_inbox();
    // Just written, so the path and the pages are cached: the whole message
    // comes without waiting (the kernel may still refuse: then would_block
    // and a short part, never wrong bytes).
    auto opened = box->open_message(uid, read_mode::cached_only);
    if (!opened) {
        EXPECT_EQ(opened.error(), std::errc::operation_would_block);
        opened = box->open_message(uid, read_mode::may_block);
    }
    auto& r = **opened;
    std::string buf(65536, '\0');
    auto part = r.read_cached(buf).value();
    auto rest = r.read(std::span<char>(buf).subspan(part.bytes)).value();
    EXPECT_EQ(buf.substr(0, part.bytes + rest), text);
    if (part.bytes == text.size()) {
        EXPECT_TRUE(part.at_end);
    }
    EXPECT_EQ(r.position(), text.size());
}

TEST_F(store_message_reader, FollowsAFileRenamedByAnotherClient) {
    const auto uid = test::append(st, commits, "moved\n").value();
    auto box = synced_inbox();
    auto other = st.open("INBOX").value();  // another session marks it seen: new name
    ASSERT_TRUE(other->sync());
    ASSERT_TRUE(!other->store_flags({uid}, flag_change::add, seen, {}));
    auto r = box->open_message(uid, read_mode::may_block).value();
    EXPECT_EQ(read_all(*r, 64), "moved\n");
    EXPECT_EQ(box->open_message(999, read_mode::may_block).error(), errc::not_found);
}

TEST(store_range_reader, ReadsThroughMailboxReadOnOtherFileSystems) {
    durable::test::memory_file_system mem;
    durable::group_commit commits{mem};
    maildir::maildir_store st{mem, "/mail/alice"};
    const auto text = message_of(5000);
    const auto uid = test::append(st, commits, text).value();
    auto box = st.open("INBOX").value();
    ASSERT_TRUE(box->sync());
    EXPECT_EQ(box->open_message(uid, read_mode::cached_only).error(), std::errc::operation_would_block);
    auto r = box->open_message(uid, read_mode::may_block).value();
    std::string buf(100, '\0');
    EXPECT_EQ(r->read_cached(buf).value().bytes, 0u);  // never answers from memory alone
    EXPECT_EQ(read_all(*r, 333), text);
}

}  // namespace
}  // namespace mailroom::store
