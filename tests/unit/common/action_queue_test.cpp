#include "common/action_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace mailroom {
namespace {

struct reply {
    std::string bytes;
};
struct other {
    int n;
};
using act = std::variant<reply, other>;

TEST(action_queue, consecutive_replies_merge_and_are_counted) {
    action_queue<act, reply> q;
    EXPECT_TRUE(q.empty());
    q.push(reply{"a\r\n"});
    q.push(reply{"bb\r\n"});
    q.push(other{1});
    q.push(reply{"c\r\n"});
    EXPECT_EQ(q.reply_bytes(), 10u);
    auto first = q.pop();
    ASSERT_TRUE(first && std::holds_alternative<reply>(*first));
    EXPECT_EQ(std::get<reply>(*first).bytes, "a\r\nbb\r\n");
    EXPECT_EQ(q.reply_bytes(), 3u);
    EXPECT_EQ(std::get<other>(*q.pop()).n, 1);
    EXPECT_EQ(std::get<reply>(*q.pop()).bytes, "c\r\n");
    EXPECT_EQ(q.reply_bytes(), 0u);
    EXPECT_FALSE(q.pop());
}

}  // namespace
}  // namespace mailroom
