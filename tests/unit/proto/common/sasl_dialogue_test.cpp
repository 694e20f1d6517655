#include "proto/common/sasl_dialogue.hpp"

#include <gtest/gtest.h>

namespace mailroom::proto {
namespace {

using o = sasl_dialogue::outcome;

TEST(sasl_dialogue, a_response_after_a_challenge_goes_to_the_exchange) {
    sasl_dialogue d;
    EXPECT_FALSE(d.expecting_response());
    d.challenge_sent();
    EXPECT_TRUE(d.expecting_response());
    auto s = d.on_line("dXNlcg==");
    EXPECT_EQ(s.what, o::respond);
    EXPECT_EQ(s.text, "dXNlcg==");
    EXPECT_FALSE(s.abort_exchange);
    EXPECT_FALSE(d.expecting_response());
}

TEST(sasl_dialogue, star_aborts_an_open_exchange) {
    sasl_dialogue d;
    d.challenge_sent();
    auto s = d.on_line("*");
    EXPECT_EQ(s.what, o::aborted);
    EXPECT_TRUE(s.abort_exchange);
    EXPECT_FALSE(d.expecting_response());
}

// RFC 5034 §4 / RFC 4954 §4: final server data, then the client's empty line.
TEST(sasl_dialogue, empty_line_after_final_data_completes_the_login) {
    sasl_dialogue d;
    d.final_data_sent("alice@example.test");
    EXPECT_TRUE(d.expecting_response());
    auto s = d.on_line("");
    EXPECT_EQ(s.what, o::success);
    EXPECT_EQ(s.text, "alice@example.test");
    EXPECT_FALSE(d.expecting_response());
}

TEST(sasl_dialogue, anything_else_after_final_data_fails) {
    sasl_dialogue d;
    d.final_data_sent("alice@example.test");
    auto s = d.on_line("Zm9v");
    EXPECT_EQ(s.what, o::failure);
    EXPECT_TRUE(s.text.empty());  // the user is never handed out on failure
    // The user is forgotten: a later empty line is a plain response.
    d.challenge_sent();
    EXPECT_EQ(d.on_line("").what, o::respond);
}

TEST(sasl_dialogue, star_after_final_data_needs_no_exchange_abort) {
    sasl_dialogue d;
    d.final_data_sent("alice@example.test");
    auto s = d.on_line("*");
    EXPECT_EQ(s.what, o::aborted);
    EXPECT_FALSE(s.abort_exchange);  // the exchange already ended with success
}

TEST(sasl_dialogue, too_long_line_ends_the_dialogue) {
    sasl_dialogue d;
    d.challenge_sent();
    EXPECT_TRUE(d.on_too_long());
    EXPECT_FALSE(d.expecting_response());
    d.final_data_sent("bob@example.test");
    EXPECT_FALSE(d.on_too_long());
    EXPECT_FALSE(d.expecting_response());
    EXPECT_FALSE(d.on_too_long());  // nothing open any more
}

}  // namespace
}  // namespace mailroom::proto
