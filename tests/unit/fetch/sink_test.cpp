#include "fetch/sink.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace mailroom::fetch {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> names(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

// Writes `message` split at `split` (0: whole) and commits.
void store(sink& s, const std::string& message, std::size_t split = 0) {
    ASSERT_FALSE(s.begin());
    if (split == 0 || split >= message.size()) {
        ASSERT_FALSE(s.write(message));
    } else {
        ASSERT_FALSE(s.write(message.substr(0, split)));
        ASSERT_FALSE(s.write(message.substr(split)));
    }
    ASSERT_FALSE(s.commit());
}

TEST(MaildirSink, StoresLfFilesInNewAtEverySplit) {
    const std::string msg = "Subject: a\r\n\r\nFrom here\r\n.dot\r\nlast\r\n";
    for (std::size_t split = 0; split < msg.size(); ++split) {
        test::temp_dir dir;
        auto s = open_sink("maildir:" + (dir.path() / "Mail").string());
        store(*s, msg, split);
        const auto files = names(dir.path() / "Mail" / "new");
        ASSERT_EQ(files.size(), 1u);
        EXPECT_EQ(read(dir.path() / "Mail" / "new" / files[0]), "Subject: a\n\nFrom here\n.dot\nlast\n") << split;
        EXPECT_TRUE(names(dir.path() / "Mail" / "tmp").empty());
    }
}

TEST(MaildirSink, RecoverFindsCommittedAndRemovesPartial) {
    test::temp_dir dir;
    auto s = open_sink("maildir:" + dir.path().string());
    ASSERT_FALSE(s->begin());
    const auto committed = s->recovery_token();
    ASSERT_FALSE(s->write("a\r\n"));
    ASSERT_FALSE(s->commit());
    auto whole = s->recover(committed);
    ASSERT_TRUE(whole);
    EXPECT_TRUE(*whole);
    // Seen by a reader: moved to cur/ with flags.
    const auto file = names(dir.path() / "new").at(0);
    fs::rename(dir.path() / "new" / file, dir.path() / "cur" / (file + ":2,S"));
    EXPECT_TRUE(*s->recover(committed));
    // A message cut short by a crash: its tmp/ file stays behind.
    { std::ofstream(dir.path() / "tmp" / "123.M1P1.host") << "partial"; }
    auto partial = s->recover("123.M1P1.host");
    ASSERT_TRUE(partial);
    EXPECT_FALSE(*partial);
    EXPECT_TRUE(names(dir.path() / "tmp").empty());
}

TEST(MaildirSink, AbortLeavesNothing) {
    test::temp_dir dir;
    auto s = open_sink("maildir:" + dir.path().string());
    ASSERT_FALSE(s->begin());
    ASSERT_FALSE(s->write("half"));
    s->abort();
    EXPECT_TRUE(names(dir.path() / "tmp").empty());
    EXPECT_TRUE(names(dir.path() / "new").empty());
}

TEST(MboxSink, MboxrdQuotingAtEverySplit) {
    const std::string msg =
        "Subject: q\r\n\r\nFrom me\r\n>From you\r\n>>From x\r\nFro\r\n>\r\nFrom\r\nnot From here\r\nend";
    const std::string body =
        "Subject: q\n\n>From me\n>>From you\n>>>From x\nFro\n>\nFrom\nnot From here\nend\n\n";  // a final LF added
    for (std::size_t split = 0; split < msg.size(); ++split) {
        test::temp_dir dir;
        const auto file = dir.path() / "box";
        auto s = open_sink("mbox:" + file.string());
        store(*s, msg, split);
        store(*s, "Subject: second\r\n\r\nx\r\n");
        const auto text = read(file);
        ASSERT_EQ(text.rfind("From MAILER-DAEMON ", 0), 0u);
        const auto first_end = text.find('\n');
        const auto second = text.find("\nFrom MAILER-DAEMON ", first_end);
        ASSERT_NE(second, std::string::npos);
        EXPECT_EQ(text.substr(first_end + 1, second + 1 - (first_end + 1)), body) << split;
        EXPECT_EQ(text.substr(text.find('\n', second + 1) + 1), "Subject: second\n\nx\n\n");
    }
}

TEST(MboxSink, AbortAndRecoverCutBackToTheStart) {
    test::temp_dir dir;
    const auto file = dir.path() / "box";
    auto s = open_sink("mbox:" + file.string());
    store(*s, "Subject: kept\r\n\r\nx\r\n");
    const auto kept = read(file);
    ASSERT_FALSE(s->begin());
    ASSERT_FALSE(s->write(std::string(200000, 'y')));  // flushed to the file already
    s->abort();
    EXPECT_EQ(read(file), kept);
    // A crash mid-message: recover() cuts the file back to the token's offset.
    ASSERT_FALSE(s->begin());
    const auto token = s->recovery_token();
    ASSERT_FALSE(s->write(std::string(200000, 'z')));
    ASSERT_FALSE(s->commit());
    auto whole = s->recover(token);
    ASSERT_TRUE(whole);
    EXPECT_FALSE(*whole);
    EXPECT_EQ(read(file), kept);
}

TEST(OpenSink, RejectsBadSpecs) {
    EXPECT_THROW(open_sink("maildir:"), std::runtime_error);
    EXPECT_THROW(open_sink("imap:x"), std::runtime_error);
    EXPECT_THROW(open_sink("/tmp/x"), std::runtime_error);
    EXPECT_THROW(open_sink("local:a@b"), std::runtime_error);  // no factory given
}

}  // namespace
}  // namespace mailroom::fetch
