// sandbox fault scenarios: TOML and JSON parsing, errors with lines, JSON out.
#include "sandbox/fault_scenario.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mailroom::sandbox {
namespace {

TEST(FaultScenario, ParsesEveryAction) {
    auto s = parse_fault_scenario(R"(seed = 7
[[fault]]
protocol = "pop3"
command = "RETR"
nth = 2
action = "truncate"
keep_bytes = 100
[[fault]]
action = "error"
code = 451
text = "try later"
times = 3
[[fault]]
action = "delay"
delay_ms = 250
times = "always"
[[fault]]
action = "drip"
bytes_per_second = 10
probability = 0.5
[[fault]]
action = "drop"
user = "bob"
nth_overall = 4
[[fault]]
action = "malformed"
kind = "missing_final_dot"
[[fault]]
action = "tls_failure"
command = "tls"
)");
    ASSERT_TRUE(s.errors.empty()) << s.errors[0];
    EXPECT_EQ(s.seed, 7u);
    ASSERT_EQ(s.rules.size(), 7u);
    EXPECT_EQ(s.rules[0].match.nth_in_session, 2u);
    EXPECT_EQ(std::get<truncate_drop>(s.rules[0].action).keep_bytes, 100u);
    EXPECT_EQ(std::get<error_reply>(s.rules[1].action).code, 451);
    EXPECT_EQ(s.rules[1].times, 3u);
    EXPECT_EQ(std::get<delay_reply>(s.rules[2].action).by.count(), 250);
    EXPECT_EQ(s.rules[2].times, 0u);
    EXPECT_DOUBLE_EQ(s.rules[3].match.probability, 0.5);
    EXPECT_EQ(s.rules[4].match.nth_overall, 4u);
    EXPECT_EQ(std::get<malformed_reply>(s.rules[5].action).kind, malformation::missing_final_dot);
    EXPECT_TRUE(std::holds_alternative<tls_failure>(s.rules[6].action));
    EXPECT_EQ(s.rules[6].times, 1u);  // once by default
}

TEST(FaultScenario, ErrorsCarryLinesAndDropAllRules) {
    auto s = parse_fault_scenario("[[fault]]\naction = \"drop\"\n[[fault]]\naction = \"explode\"\n");
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_EQ(s.errors[0], "line 3: unknown action \"explode\"");
    EXPECT_TRUE(s.rules.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]]\naction = \"drop\"\ncolour = 1\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]]\naction = \"delay\"\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]]\naction = \"drop\"\nprobability = 2.0\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]]\naction = \"drop\"\nprotocol = \"ftp\"\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]]\naction = \"drop\"\ntimes = 0\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("seed = -1\n").errors.empty());
    // A float seed is refused, not converted (1e300 would not fit an integer).
    EXPECT_FALSE(parse_fault_scenario("seed = 2.5\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("seed = 1e300\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("fault = 3\n").errors.empty());
    EXPECT_FALSE(parse_fault_scenario("[[fault]\n").errors.empty());
    EXPECT_TRUE(parse_fault_scenario("").errors.empty());
}

TEST(FaultScenario, JsonRoundTrip) {
    auto s = parse_fault_scenario(
        "[[fault]]\nname = \"slow\"\nprotocol = \"smtp\"\ncommand = \"DATA\"\n"
        "action = \"drip\"\nbytes_per_second = 5\ntimes = \"always\"\n");
    ASSERT_EQ(s.rules.size(), 1u);
    auto v = to_json(s.rules[0]);
    EXPECT_EQ(v.as_object().at("action").as_string(), "drip");
    EXPECT_EQ(v.as_object().at("bytes_per_second").to_number<std::int64_t>(), 5);
    auto obj = v.as_object();
    obj.erase("id");
    obj.erase("fired");
    auto back = fault_rule_from_json(obj);
    ASSERT_TRUE(std::holds_alternative<fault_rule>(back)) << std::get<std::string>(back);
    const auto& r = std::get<fault_rule>(back);
    EXPECT_EQ(r.name, "slow");
    EXPECT_EQ(r.match.command, "DATA");
    EXPECT_EQ(obj.at("times").as_string(), "always");
    EXPECT_EQ(r.times, 0u);
    EXPECT_EQ(std::get<drip_reply>(r.action).bytes_per_second, 5u);
    EXPECT_TRUE(std::holds_alternative<std::string>(fault_rule_from_json(boost::json::parse("[1]"))));
    EXPECT_TRUE(
        std::holds_alternative<std::string>(fault_rule_from_json(boost::json::parse(R"({"action":"drop","nth":-1})"))));
}

}  // namespace
}  // namespace mailroom::sandbox
