#include "proxy/message_buffer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace mailroom::proxy {
namespace {

std::string read_back(const message_buffer& b, std::size_t piece) {
    std::string out;
    for (std::uint64_t at = 0; at < b.size();) {
        auto r = b.read(at, piece);
        EXPECT_TRUE(r);
        if (!r || r->empty()) break;
        out += *r;
        at += r->size();
    }
    return out;
}

TEST(MessageBuffer, SmallStaysInMemoryLargeGoesToAnAnonymousFile) {
    const auto dir = std::filesystem::temp_directory_path();
    message_buffer b(dir, 100);
    std::string all;
    for (int i = 0; i < 50; ++i) {
        const std::string piece = "line " + std::to_string(i) + "\r\n";
        ASSERT_FALSE(b.append(piece));
        all += piece;
        if (all.size() <= 100) {
            EXPECT_FALSE(b.on_disk());
        }
    }
    EXPECT_TRUE(b.on_disk());
    EXPECT_EQ(b.size(), all.size());
    EXPECT_EQ(read_back(b, 7), all);
    EXPECT_EQ(read_back(b, 1 << 20), all);
}

TEST(MessageBuffer, AnUnusableDirectoryIsAKeptError) {
    message_buffer b("/nonexistent-mailroom-dir", 4);
    EXPECT_FALSE(b.append("abc"));
    EXPECT_TRUE(b.append("defgh"));
    EXPECT_TRUE(b.error());
    EXPECT_TRUE(b.append("x"));
    EXPECT_FALSE(b.read(0, 10));
}

}  // namespace
}  // namespace mailroom::proxy
