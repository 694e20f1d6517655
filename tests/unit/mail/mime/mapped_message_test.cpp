#include "mail/mime/mapped_message.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "mail/mime/parser.hpp"
#include "sample_messages.hpp"

namespace mailroom::mime {
namespace {

std::string temp_path(const char* name) { return ::testing::TempDir() + "mime_mapped_" + name; }

TEST(mime_mapped_message, maps_a_file_and_parses_it_in_place) {
    const auto path = temp_path("mixed");
    std::ofstream(path, std::ios::binary) << samples::mixed;
    auto mapped = mapped_message::open(path);
    ASSERT_TRUE(mapped) << mapped.error().message();
    EXPECT_EQ(mapped->bytes(), samples::mixed);
    EXPECT_EQ(parse_message(mapped->bytes()), parse_message(samples::mixed));
    auto moved = std::move(*mapped);
    EXPECT_EQ(moved.bytes().size(), samples::mixed.size());
    EXPECT_TRUE(mapped->bytes().empty());
    std::remove(path.c_str());
}

TEST(mime_mapped_message, empty_and_missing_files) {
    const auto path = temp_path("empty");
    std::ofstream(path, std::ios::binary).flush();
    auto empty = mapped_message::open(path);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->bytes().empty());
    std::remove(path.c_str());
    auto missing = mapped_message::open(temp_path("no-such-file"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace mailroom::mime
