// Fuzzes the `mailroom dev --faults` scenario parser (src/sandbox/
// fault_scenario.cpp): any bytes give rules or errors, never a crash, and a
// parsed rule survives the JSON round trip the HTTP API uses.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sandbox/fault_scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto s = mailroom::sandbox::parse_fault_scenario(text);
    if (!s.errors.empty() && !s.rules.empty()) std::abort();
    for (const auto& r : s.rules) {
        auto obj = mailroom::sandbox::to_json(r).as_object();
        obj.erase("id");
        obj.erase("fired");
        auto back = mailroom::sandbox::fault_rule_from_json(obj);
        if (!std::holds_alternative<mailroom::sandbox::fault_rule>(back)) std::abort();
    }
    return 0;
}
