#include "mail/mime/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "mail/mime/detail/message_text.hpp"
#include "mail/mime/serialize.hpp"
#include "sample_messages.hpp"

// The parser over a message read by windows gives exactly the structure of
// the parser over the whole message (the cache blob is compared), wherever
// the window boundaries fall, while reading no more than a window at a time;
// a failed read fails the parse.
namespace mailroom::mime {
namespace {

struct counting_reader {
    const std::string& msg;
    std::size_t largest = 0;
    std::uint64_t total = 0;
    result<std::string> operator()(std::uint64_t offset, std::size_t max) {
        largest = std::max(largest, max);
        total += max;
        if (offset > msg.size()) return std::string();
        return msg.substr(static_cast<std::size_t>(offset), max);
    }
};

std::string windowed(const std::string& msg, counting_reader* seen = nullptr) {
    counting_reader local{msg};
    auto& r = seen ? *seen : local;
    auto m = parse_message(msg.size(), [&](std::uint64_t o, std::size_t n) { return r(o, n); });
    EXPECT_TRUE(m) << m.error().message();
    return m ? serialize(*m) : std::string();
}

std::vector<std::string> eml_files() {
    std::vector<std::string> out;
    const std::filesystem::path dir = MIME_MESSAGES_DIR;  // tests/unit/mail/mime/messages
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream f(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

// `inner` as the second part of a multipart whose first part is `pad`
// octets long, so its boundaries and line ends fall across windows.
std::string padded(const std::string& inner, std::size_t pad) {
    std::string m =
        "Subject: padded\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"PAD\"\n\n--PAD\n"
        "Content-Type: text/plain\n\n";
    for (std::size_t i = 0; i < pad; ++i) m += (i % 61 == 60) ? '\n' : static_cast<char>('a' + i % 26);
    m += "\r\n--PAD\nContent-Type: message/rfc822\n\n" + inner + "\n--PAD--\nepilogue\n";
    return m;
}

TEST(mime_parser_window, same_structure_as_in_memory) {
    auto messages = eml_files();
    messages.push_back(samples::mixed);
    messages.push_back(samples::plain);
    messages.push_back(samples::forwarded);
    ASSERT_GT(messages.size(), 20u);
    for (const auto& msg : messages) {
        EXPECT_EQ(windowed(msg), serialize(parse_message(msg)));
        for (const std::size_t pad : {detail::window_bytes - 200, detail::window_bytes - 60, detail::window_bytes - 17,
                                      detail::window_bytes, detail::window_bytes + 3, 2 * detail::window_bytes - 90}) {
            const auto big = padded(msg, pad);
            EXPECT_EQ(windowed(big), serialize(parse_message(big))) << pad;
        }
    }
}

// A reader that gives a few octets at a time: windows of any size and
// boundary (the contract allows short reads).
TEST(mime_parser_window, short_reads_give_the_same_structure) {
    auto messages = eml_files();
    messages.push_back(samples::forwarded);
    for (const auto& msg : messages)
        for (const std::size_t piece : {1u, 2u, 7u, 64u}) {
            auto m = parse_message(msg.size(), [&](std::uint64_t o, std::size_t n) -> result<std::string> {
                return msg.substr(static_cast<std::size_t>(o), std::min(n, piece));
            });
            ASSERT_TRUE(m);
            EXPECT_EQ(serialize(*m), serialize(parse_message(msg))) << piece;
        }
}

TEST(mime_parser_window, large_attachment_read_by_windows_only) {
    std::string msg =
        "Subject: big\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream\n"
        "Content-Transfer-Encoding: base64\n\n";
    const std::string line = std::string(76, 'Q') + "\r\n";
    while (msg.size() < (8u << 20)) msg += line;
    msg += "--b--\n";
    counting_reader r{msg};
    EXPECT_EQ(windowed(msg, &r), serialize(parse_message(msg)));
    EXPECT_LE(r.largest, detail::window_bytes);  // never more than a window at a time
    EXPECT_LT(r.total, 4 * msg.size());          // the line scan, then each level of nesting once
}

TEST(mime_parser_window, failed_read_fails_the_parse) {
    const auto msg = padded(samples::mixed, 3 * detail::window_bytes);
    for (const std::size_t fail_at : {0u, 1u, 2u, 5u}) {
        std::size_t calls = 0;
        auto m = parse_message(msg.size(), [&](std::uint64_t o, std::size_t n) -> result<std::string> {
            if (calls++ == fail_at) return make_error_code(errc::storage_failure);
            return msg.substr(static_cast<std::size_t>(o), n);
        });
        ASSERT_FALSE(m) << fail_at;
        EXPECT_EQ(m.error(), errc::storage_failure);
    }
    // A file shorter than its recorded size (rewritten meanwhile) too.
    auto m = parse_message(msg.size() + 100000, [&](std::uint64_t o, std::size_t n) -> result<std::string> {
        return o >= msg.size() ? std::string() : msg.substr(static_cast<std::size_t>(o), n);
    });
    EXPECT_FALSE(m);
}

}  // namespace
}  // namespace mailroom::mime
