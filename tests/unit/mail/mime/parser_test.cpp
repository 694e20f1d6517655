#include "mail/mime/parser.hpp"

#include <gtest/gtest.h>

namespace mailroom::mime {
namespace {

TEST(mime_parser, smoke) {
    auto m = parse_message("Subject: hi\nFrom: a@b.c\n\nhello\n");
    EXPECT_EQ(m.body.type, "text");
}

}  // namespace
}  // namespace mailroom::mime
