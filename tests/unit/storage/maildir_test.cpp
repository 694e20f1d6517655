#include "storage/maildir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "common/errors.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::storage {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

class storage_maildir : public ::testing::Test {
protected:
    test::temp_dir tmp;
    maildir box{tmp.path() / "example.test" / "alice"};
};

TEST_F(storage_maildir, DeliverStoresLfAndCountsCrlfOctets) {
    struct c {
        std::string in, stored;
        std::uint64_t wire;
    };
    const std::vector<c> cases{
        {"a\nb\n", "a\nb\n", 6},
        {"a\r\nb\r\n", "a\nb\n", 6},
        {"no final newline", "no final newline\n", 18},
        {"bare\rcr\n", "bare\rcr\n", 9},
        {"", "\n", 2},
    };
    for (const auto& k : cases) {
        auto name = box.deliver(k.in);
        ASSERT_TRUE(name) << name.error().message();
        EXPECT_EQ(slurp(box.root() / "new" / *name), k.stored) << k.in;
        EXPECT_NE(name->find(",W=" + std::to_string(k.wire)), std::string::npos) << *name;
    }
    auto lock = box.lock_exclusive();
    ASSERT_TRUE(lock);
    auto list = box.scan(*lock);
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_EQ((*list)[i].crlf_size, cases[i].wire) << i;
        EXPECT_EQ((*list)[i].uid, i + 1);
        EXPECT_EQ(box.read((*list)[i]).value(), cases[i].stored);
    }
    EXPECT_TRUE(fs::is_empty(box.root() / "tmp"));
    struct stat st {};
    ASSERT_EQ(::stat((box.root() / "new").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// Directories are made on demand: a first delivery creates the mailbox, and
// one removed while the server runs is made again.
TEST_F(storage_maildir, DeliveryMakesMissingDirectories) {
    ASSERT_FALSE(fs::exists(box.root()));
    auto first = box.deliver("one\n");
    ASSERT_TRUE(first) << first.error().message();
    for (const char* sub : {"tmp", "new", "cur"}) EXPECT_TRUE(fs::is_directory(box.root() / sub)) << sub;
    fs::remove_all(box.root());
    auto second = box.deliver("two\n");
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(slurp(box.root() / "new" / *second), "two\n");
    EXPECT_TRUE(fs::is_directory(box.root() / "cur"));
    EXPECT_TRUE(fs::is_empty(box.root() / "tmp"));
}

TEST_F(storage_maildir, UidsAreStableAndNeverReused) {
    ASSERT_TRUE(box.deliver("one\n"));
    ASSERT_TRUE(box.deliver("two\n"));
    std::vector<message_entry> first;
    {
        auto lock = box.lock_exclusive().value();
        first = box.scan(lock).value();
        ASSERT_EQ(first.size(), 2u);
        EXPECT_EQ(box.scan(lock).value()[1].uidl, first[1].uidl);
        // A client moves message 1 to cur/ with a flag: same UID.
        fs::rename(first[0].path, box.root() / "cur" / (first[0].path.filename().string() + ":2,S"));
        auto again = box.scan(lock).value();
        EXPECT_EQ(again[0].uid, first[0].uid);
        EXPECT_EQ(again[0].uidl, first[0].uidl);
        EXPECT_EQ(box.read(first[0]).value(), "one\n");  // found under its new name
        ASSERT_FALSE(box.remove(lock, {first[1]}));
    }
    ASSERT_TRUE(box.deliver("three\n"));
    auto lock = box.lock_exclusive().value();
    auto now = box.scan(lock).value();
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[0].uid, 1u);
    EXPECT_EQ(now[1].uid, 3u);  // 2 is gone for good
    EXPECT_EQ(now[0].uidl.size(), 16u);
    EXPECT_EQ(now[0].uidl.substr(0, 8), first[0].uidl.substr(0, 8));  // same uidvalidity
}

TEST_F(storage_maildir, SecondLockIsInUseUntilReleased) {
    ASSERT_FALSE(box.create());
    maildir other(box.root());
    {
        auto a = box.lock_exclusive();
        ASSERT_TRUE(a);
        auto b = other.lock_exclusive();
        ASSERT_FALSE(b);
        EXPECT_EQ(b.error(), errc::in_use);
    }
    EXPECT_TRUE(other.lock_exclusive());
}

TEST_F(storage_maildir, CorruptUidlistStartsANewUidValidity) {
    ASSERT_TRUE(box.deliver("x\n"));
    std::string before;
    {
        auto lock = box.lock_exclusive().value();
        before = box.scan(lock).value()[0].uidl;
    }
    // Torn after the header (only the first line survived a crash).
    const auto header = slurp(box.root() / "mailroom-uidlist");
    std::ofstream(box.root() / "mailroom-uidlist", std::ios::trunc)
        << header.substr(0, header.find('\n')) << "\n1 torn";
    auto lock = box.lock_exclusive().value();
    auto after = box.scan(lock);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), 1u);
    EXPECT_NE((*after)[0].uidl, before);
    EXPECT_EQ(slurp(box.root() / "mailroom-uidlist").substr(0, 1), "V");
}

TEST_F(storage_maildir, GarbageUidlistIsReplaced) {
    ASSERT_TRUE(box.deliver("x\n"));
    ASSERT_FALSE(box.create());
    std::ofstream(box.root() / "mailroom-uidlist", std::ios::trunc) << "garbage";
    auto lock = box.lock_exclusive().value();
    ASSERT_EQ(box.scan(lock).value().size(), 1u);
    EXPECT_EQ(slurp(box.root() / "mailroom-uidlist").substr(0, 1), "V");
}

TEST_F(storage_maildir, ManyDeliveriesInOneSecondKeepTheirOrder) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(box.deliver("message " + std::to_string(i) + "\n"));
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    ASSERT_EQ(list.size(), 50u);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(box.read(list[static_cast<std::size_t>(i)]).value(), "message " + std::to_string(i) + "\n");
}

TEST_F(storage_maildir, LargeEightBitMessageIsByteExact) {
    std::mt19937 gen(3);
    std::string m;
    while (m.size() < (3u << 20)) {
        char c = static_cast<char>(gen() % 256);
        m += c == '\r' ? 'x' : c;
    }
    m += '\n';
    ASSERT_TRUE(box.deliver(m));
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    EXPECT_EQ(box.read(list[0]).value(), m);
    EXPECT_EQ(list[0].crlf_size, m.size() + std::count(m.begin(), m.end(), '\n'));
}

TEST_F(storage_maildir, ForeignFilesWithoutSizeInTheNameAreMeasured) {
    ASSERT_FALSE(box.create());
    std::ofstream(box.root() / "cur" / "1600000000.foreign:2,", std::ios::binary) << "a\r\nb\nc";
    std::ofstream(box.root() / "new" / ".hidden", std::ios::binary) << "skip me\n";
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].crlf_size, 3u + 3u + 3u);  // a CRLF, b CRLF, c + added CRLF
}

TEST_F(storage_maildir, NameFollowsTheMaildirConvention) {
    auto name = box.deliver("a\r\nb\r\n").value();
    const std::regex form(R"(^(\d+)\.M(\d+)P(\d+)Q(\d+)R([0-9a-f]{8})\.([^/:]+),S=(\d+),W=(\d+)$)");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(name, m, form)) << name;
    EXPECT_LT(std::stoul(m[2].str()), 1000000u);
    EXPECT_EQ(m[3].str(), std::to_string(::getpid()));
    EXPECT_EQ(m[7].str(), "4");  // physical size: "a\nb\n"
    EXPECT_EQ(m[8].str(), "6");  // virtual size: "a\r\nb\r\n"
    const auto secs = std::stoll(m[1].str());
    EXPECT_LE(std::abs(secs - static_cast<long long>(std::time(nullptr))), 5);
    EXPECT_NE(box.deliver("x").value(), name);
}

TEST_F(storage_maildir, ConcurrentDeliveriesGetDistinctNames) {
    std::vector<std::thread> threads;
    std::vector<std::vector<std::string>> names(4);
    for (std::size_t t = 0; t < names.size(); ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) names[t].push_back(box.deliver("m\n").value());
        });
    for (auto& th : threads) th.join();
    std::set<std::string> all;
    for (const auto& v : names) all.insert(v.begin(), v.end());
    EXPECT_EQ(all.size(), 100u);
    auto lock = box.lock_exclusive().value();
    EXPECT_EQ(box.scan(lock).value().size(), 100u);
}

TEST_F(storage_maildir, UidListFormatAndRewriteOnlyOnChange) {
    auto a = box.deliver("a\n").value();
    auto b = box.deliver("b\n").value();
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    const auto text = slurp(box.root() / "mailroom-uidlist");
    const auto v = list[0].uidl.substr(0, 8);
    EXPECT_EQ(text, "V" + std::to_string(std::stoul(v, nullptr, 16)) + " N3\n1 " + a + "\n2 " + b + "\n");
    struct stat before {
    }, after{};
    ASSERT_EQ(::stat((box.root() / "mailroom-uidlist").c_str(), &before), 0);
    ASSERT_EQ(box.scan(lock).value().size(), 2u);
    ASSERT_EQ(::stat((box.root() / "mailroom-uidlist").c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);  // unchanged: not replaced
    fs::remove(list[0].path);                // gone behind our back
    ASSERT_EQ(box.scan(lock).value().size(), 1u);
    EXPECT_EQ(slurp(box.root() / "mailroom-uidlist"),
              "V" + std::to_string(std::stoul(v, nullptr, 16)) + " N3\n2 " + b + "\n");
}

TEST_F(storage_maildir, ForeignFilesGetUidsInDeliveryOrder) {
    ASSERT_FALSE(box.create());
    for (const char* n : {"new/1600000002.b", "cur/1600000001.z:2,S", "new/1600000001.a", "new/1500000000.M5P1.h"})
        std::ofstream(box.root() / n) << "x\n";
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    ASSERT_EQ(list.size(), 4u);
    std::vector<std::string> order;
    for (const auto& e : list) order.push_back(e.path.filename().string());
    EXPECT_EQ(order,
              (std::vector<std::string>{"1500000000.M5P1.h", "1600000001.a", "1600000001.z:2,S", "1600000002.b"}));
    for (std::size_t i = 0; i < list.size(); ++i) {
        EXPECT_EQ(list[i].uid, i + 1);
        EXPECT_EQ(list[i].crlf_size, 3u);
    }
}

TEST_F(storage_maildir, RemovingAMissingMessageSucceeds) {
    ASSERT_TRUE(box.deliver("a\n"));
    auto lock = box.lock_exclusive().value();
    auto list = box.scan(lock).value();
    ASSERT_FALSE(box.remove(lock, list));
    EXPECT_FALSE(fs::exists(list[0].path));
    EXPECT_FALSE(box.remove(lock, list));  // already gone: counts as removed
    EXPECT_EQ(box.read(list[0]).error(), errc::not_found);
    EXPECT_TRUE(box.scan(lock).value().empty());
}

TEST_F(storage_maildir, ScanAndRemoveNeedTheLock) {
    ASSERT_TRUE(box.deliver("a\n"));
    mailbox_lock none;
    EXPECT_FALSE(box.scan(none));
    EXPECT_TRUE(box.remove(none, {}));
}

TEST(storage_mailbox_path, DomainThenLocalPart) {
    EXPECT_EQ(mailbox_path("/data/mail", "alice@example.test"), fs::path("/data/mail/example.test/alice"));
}

}  // namespace
}  // namespace mailroom::storage
