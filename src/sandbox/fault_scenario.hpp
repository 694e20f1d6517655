// sandbox fault scenarios: `--faults FILE` (TOML) and the API's JSON bodies
// into fault_rule values, and rules back into JSON for the API. Input is
// untrusted (an uploaded scenario): every error is a message, never a throw
// (fuzz/fault_scenario_fuzz.cpp). Called by src/cli/dev.cpp and the HTTP API.
//
//   seed = 42                      # optional; --seed wins
//   [[fault]]
//   name = "drop the 2nd RETR"     # all keys but action optional
//   protocol = "pop3"   listener = "pop3"   command = "RETR"   user = "alice"
//   nth = 2             nth_overall = 0     probability = 1.0
//   action = "truncate" keep_bytes = 100    times = "once" | "always" | N
//   # error: code, text   delay: delay_ms   drip: bytes_per_second
//   # malformed: kind = "wrong_octet_count" | "bare_lf" | "missing_final_dot"
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sandbox/fault_rules.hpp"

namespace mailroom::sandbox {

struct fault_scenario {
    std::optional<std::uint64_t> seed;
    std::vector<fault_rule> rules;
    std::vector<std::string> errors;  // "line 4: unknown action \"explode\""; rules empty if any
};

inline constexpr std::size_t max_scenario_bytes = 1 << 20;
inline constexpr std::size_t max_scenario_rules = 1000;

fault_scenario parse_fault_scenario(std::string_view toml_text);

// One rule from a JSON object with the keys of one [[fault]] table.
// Returns the rule or an error message.
std::variant<fault_rule, std::string> fault_rule_from_json(const boost::json::value& v);

// {"id":1,"name":"...","protocol":"pop3",...,"action":"truncate","keep_bytes":100,
//  "times":1,"fired":0}: the same keys as the scenario file ("times": N or "always").
boost::json::value to_json(const fault_rule& r);

// Keys and values as read from TOML or JSON, then checked in one place.
using field_value = std::variant<std::int64_t, double, bool, std::string>;
std::variant<fault_rule, std::string> fault_rule_from_fields(const std::map<std::string, field_value>& fields);

}  // namespace mailroom::sandbox
