#include "fetch/uid_state.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.hpp"
#include "support/failing_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::fetch {
namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(UidState, RecordsSurviveReopen) {
    test::temp_dir dir;
    const auto file = dir.path() / "s.state";
    auto& fs = durable::real_file_system();
    {
        auto s = uid_state::open(fs, file);
        ASSERT_TRUE(s);
        ASSERT_FALSE((*s)->begin("uid-1", "tok1"));
        ASSERT_FALSE((*s)->mark_stored("uid-1"));
        ASSERT_FALSE((*s)->begin("uid-2", "tok2"));
        ASSERT_FALSE((*s)->begin("uid-3", "tok3"));
        ASSERT_FALSE((*s)->drop("uid-3"));
    }
    auto s = uid_state::open(fs, file);
    ASSERT_TRUE(s);
    EXPECT_TRUE((*s)->stored("uid-1"));
    EXPECT_FALSE((*s)->stored("uid-2"));
    EXPECT_EQ((*s)->pending().size(), 1u);
    EXPECT_EQ((*s)->pending().at("uid-2"), "tok2");
}

TEST(UidState, SecondOpenIsRefusedWhileLocked) {
    test::temp_dir dir;
    auto& fs = durable::real_file_system();
    auto a = uid_state::open(fs, dir.path() / "s.state");
    ASSERT_TRUE(a);
    auto b = uid_state::open(fs, dir.path() / "s.state");
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), errc::in_use);
}

TEST(UidState, TornLastRecordIsIgnoredAndLaterRecordsCount) {
    test::temp_dir dir;
    const auto file = dir.path() / "s.state";
    auto& fs = durable::real_file_system();
    {
        auto s = uid_state::open(fs, file);
        ASSERT_TRUE(s);
        ASSERT_FALSE((*s)->mark_stored("a"));
    }
    {
        std::ofstream f(file, std::ios::binary | std::ios::app);
        f << "S b";  // a crash in the middle of the record
    }
    {
        auto s = uid_state::open(fs, file);
        ASSERT_TRUE(s);
        EXPECT_TRUE((*s)->stored("a"));
        EXPECT_FALSE((*s)->stored("b"));
        ASSERT_FALSE((*s)->mark_stored("c"));
    }
    auto s = uid_state::open(fs, file);
    ASSERT_TRUE(s);
    EXPECT_TRUE((*s)->stored("c"));
    EXPECT_FALSE((*s)->stored("b"));
    EXPECT_EQ((*s)->stored_count(), 2u);
}

TEST(UidState, CompactKeepsWhatTheServerStillHas) {
    test::temp_dir dir;
    const auto file = dir.path() / "s.state";
    auto& fs = durable::real_file_system();
    auto s = uid_state::open(fs, file);
    ASSERT_TRUE(s);
    for (const char* u : {"a", "b", "c"}) ASSERT_FALSE((*s)->mark_stored(u));
    ASSERT_FALSE((*s)->compact({"b", "c", "new"}, ""));
    EXPECT_FALSE((*s)->stored("a"));
    EXPECT_TRUE((*s)->stored("b"));
    ASSERT_FALSE((*s)->mark_stored("d"));  // appends after the rewrite go to the new file
    const auto text = read(file);
    EXPECT_EQ(text.find("S a\n"), std::string::npos) << text;
    EXPECT_NE(text.find("S d\n"), std::string::npos) << text;
    // A new validity (IMAP UIDVALIDITY changed) starts over.
    ASSERT_FALSE((*s)->compact({"b"}, "42"));
    EXPECT_EQ((*s)->stored_count(), 0u);
    EXPECT_EQ((*s)->validity(), "42");
}

TEST(UidState, RefusesMalformedUids) {
    test::temp_dir dir;
    auto s = uid_state::open(durable::real_file_system(), dir.path() / "s.state");
    ASSERT_TRUE(s);
    EXPECT_TRUE((*s)->mark_stored("has space"));
    EXPECT_TRUE((*s)->mark_stored(""));
    EXPECT_TRUE((*s)->mark_stored(std::string(71, 'x')));
    EXPECT_TRUE((*s)->begin("ok", "bad token"));
    EXPECT_FALSE(valid_uid("a\nS b"));
    EXPECT_TRUE(valid_uid(std::string(70, '~')));
}

// Every operation failing in turn: the error comes back, and whatever did
// reach the file is a consistent prefix when the journal is read again.
TEST(UidState, EveryFailureIsReportedAndLeavesAReadableJournal) {
    for (std::uint64_t n = 1; n < 20; ++n) {
        test::temp_dir dir;
        const auto file = dir.path() / "s.state";
        durable::test::failing_file_system failing(durable::real_file_system(), n);
        bool all_ok = true;
        {
            auto s = uid_state::open(failing, file);
            if (!s) {
                all_ok = false;
            } else {
                all_ok = !(*s)->mark_stored("a") && !(*s)->mark_stored("b") && !(*s)->compact({"b"}, "") &&
                         !(*s)->mark_stored("c");
            }
        }
        auto again = uid_state::open(durable::real_file_system(), file);
        ASSERT_TRUE(again) << "fail at " << n;
        if (all_ok) {  // a failure may only have hit the unlink of a missing tmp file
            EXPECT_TRUE((*again)->stored("b") && (*again)->stored("c") && !(*again)->stored("a")) << n;
        } else {
            EXPECT_TRUE(failing.failed()) << n;
        }
    }
}

TEST(UidState, FileNamesAreReadableAndDistinct) {
    const auto a = state_file_name({"pop3", "mail.example", 995, "a b", ""});
    const auto b = state_file_name({"pop3", "mail.example", 995, "a_b", ""});
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find('/'), std::string::npos);
    EXPECT_NE(a.find("mail.example"), std::string::npos);
    EXPECT_NE(state_file_name({"imap", "h", 1, "u", "INBOX"}), state_file_name({"imap", "h", 1, "u", "Sent"}));
}

}  // namespace
}  // namespace mailroom::fetch
