// durable::real_file_system().read_range: up to `length` octets from an
// offset, shorter at the end, and a buffer the size of what was read even
// when the caller asks for far more (SEARCH reads messages "up to 64 MiB").
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "durable/file_system.hpp"

namespace mailroom::durable {
namespace {

struct temp_file {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("mailroom-read-range-" + std::to_string(::getpid()));
    explicit temp_file(const std::string& content) { std::ofstream(path, std::ios::binary) << content; }
    ~temp_file() { std::filesystem::remove(path); }
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

TEST(read_range, a_small_file_asked_for_64_mib_costs_its_size) {
    const auto content = pattern(10 * 1024);
    temp_file f(content);
    auto got = real_file_system().read_range(f.path, 0, 64u << 20);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, content);
    EXPECT_LT(got->capacity(), 64u * 1024);  // was 64 MiB, zeroed
}

TEST(read_range, offsets_lengths_and_the_end) {
    const auto content = pattern(100 * 1024 + 7);
    temp_file f(content);
    auto& fs = real_file_system();
    EXPECT_EQ(*fs.read_range(f.path, 5, 10), content.substr(5, 10));
    EXPECT_EQ(*fs.read_range(f.path, 100 * 1024, 1 << 20), content.substr(100 * 1024));
    EXPECT_EQ(*fs.read_range(f.path, 0, content.size()), content);
    EXPECT_EQ(*fs.read_range(f.path, 0, content.size() + 1), content);
    EXPECT_EQ(*fs.read_range(f.path, content.size(), 100), "");
    EXPECT_EQ(*fs.read_range(f.path, content.size() + 50, 100), "");
    EXPECT_EQ(*fs.read_range(f.path, 3, 0), "");
}

TEST(read_range, a_missing_file_is_an_error) {
    EXPECT_FALSE(real_file_system().read_range("/nonexistent/mailroom/file", 0, 10));
}

}  // namespace
}  // namespace mailroom::durable
