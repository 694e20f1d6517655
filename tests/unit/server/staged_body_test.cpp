// server::staged_body: small text in memory, large text in one staged file
// read back in bounded pieces, nothing left behind on clear, destruction
// or any failing file operation; and the message sources around it.
#include "server/staged_body.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/failing_file_system.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::server {
namespace {

namespace fs = std::filesystem;

std::string text_of(std::size_t size) {
    std::string t;
    for (std::size_t i = 0; t.size() < size; ++i) t += "line " + std::to_string(i) + " of the staged body\r\n";
    t.resize(size);
    return t;
}

std::string read_all(const queue::message_source& src, std::size_t* largest = nullptr) {
    std::string out;
    auto ec = src.copy_to([&](std::string_view piece) {
        EXPECT_FALSE(piece.empty());
        if (largest) *largest = std::max(*largest, piece.size());
        out += piece;
        return std::error_code{};
    });
    EXPECT_FALSE(ec) << ec.message();
    return out;
}

std::size_t files_in(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

void append_in_pieces(staged_body& b, const std::string& text, std::size_t piece) {
    for (std::size_t at = 0; at < text.size(); at += piece)
        ASSERT_FALSE(b.append(std::string_view(text).substr(at, piece)));
}

TEST(server_staged_body, small_text_stays_in_memory) {
    mailroom::test::temp_dir tmp;
    staged_body b(durable::real_file_system(), tmp.path(), 1000);
    const auto text = text_of(1000);
    EXPECT_FALSE(b.needs_io(1000));
    append_in_pieces(b, text, 100);
    EXPECT_TRUE(b.needs_io(1));
    EXPECT_FALSE(b.needs_io_to_clear());
    EXPECT_EQ(files_in(tmp.path()), 0u);
    EXPECT_EQ(b.size(), 1000u);
    EXPECT_EQ(read_all(b), text);
}

TEST(server_staged_body, large_text_goes_to_one_file_and_comes_back_in_pieces) {
    mailroom::test::temp_dir tmp;
    const auto text = text_of(1 << 20);
    {
        staged_body b(durable::real_file_system(), tmp.path());
        append_in_pieces(b, text, 65536);
        EXPECT_TRUE(b.needs_io_to_clear());
        EXPECT_EQ(files_in(tmp.path()), 1u);
        std::size_t largest = 0;
        EXPECT_EQ(read_all(b, &largest), text);
        EXPECT_LE(largest, staged_body::read_piece_bytes);
        EXPECT_EQ(read_all(b), text);  // may be read again (queue, then each mailbox)
        b.clear();
        EXPECT_EQ(files_in(tmp.path()), 0u);
        EXPECT_EQ(b.size(), 0u);
        // Reused for the next message of the connection.
        append_in_pieces(b, text, 100000);
        EXPECT_EQ(read_all(b), text);
        EXPECT_EQ(files_in(tmp.path()), 1u);
    }
    EXPECT_EQ(files_in(tmp.path()), 0u);  // a dropped connection leaves nothing
}

TEST(server_staged_body, every_failing_operation_is_reported_and_leaves_nothing) {
    const auto text = text_of(300000);
    for (std::uint64_t n = 1;; ++n) {
        mailroom::test::temp_dir tmp;
        durable::test::failing_file_system failing(durable::real_file_system(), n);
        bool reported = false;
        {
            staged_body b(failing, tmp.path());
            for (std::size_t at = 0; at < text.size(); at += 50000)
                if (b.append(std::string_view(text).substr(at, 50000))) reported = true;
            if (b.error()) reported = true;
            std::string back;
            auto ec = b.copy_to([&](std::string_view p) {
                back += p;
                return std::error_code{};
            });
            if (ec) reported = true;
            else EXPECT_EQ(back, text) << n;
            if (!failing.failed()) {
                EXPECT_FALSE(reported);
                break;  // every operation has been failed once
            }
            EXPECT_TRUE(reported) << "failing op " << n << " went unnoticed";
        }
        // Only the destructor's unlink failing (the last operation) may leave
        // the file: the spool's recover() empties tmp/ at the next start.
        if (files_in(tmp.path()) != 0) {
            EXPECT_EQ(failing.operations(), n) << "leftover at failing op " << n;
        }
        ASSERT_LT(n, 1000u);
    }
}

TEST(server_staged_body, sources_put_a_head_before_the_body_and_read_a_prefix) {
    mailroom::test::temp_dir tmp;
    staged_body b(durable::real_file_system(), tmp.path(), 100);
    const auto text = text_of(200000);
    append_in_pieces(b, text, 7000);
    const std::string head = "Received: from x\r\n";
    queue::prefixed_source src(head, b);
    EXPECT_EQ(src.size(), head.size() + text.size());
    EXPECT_EQ(read_all(src), head + text);
    auto first = queue::read_head(src, 100000);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, (head + text).substr(0, 100000));
    auto all = queue::read_head(queue::memory_source("short"), 100000);
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, "short");
}

}  // namespace
}  // namespace mailroom::server
