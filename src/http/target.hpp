// http::target: an HTTP request target in origin-form (RFC 9112 §3.2.1,
// "/path?query") split into percent-decoded path segments and query
// parameters. Beast hands the target over as raw text; this is the one HTTP
// parser of our own, so it is bounded and fuzzed (fuzz/http_target_fuzz.cpp).
// Used by http::router; plain C++, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::http {

struct target_limits {
    std::size_t max_bytes = 8192;   // the whole target; Beast's header limit bounds it too
    std::size_t max_segments = 32;  // "/a/b/c": 3
    std::size_t max_params = 64;    // "?a=1&b=2": 2
};

struct query_param {
    std::string name;
    std::string value;
};

struct parsed_target {
    std::vector<std::string> segments;  // "/" -> {}, "/a/" -> {"a", ""}; each decoded
    std::vector<query_param> query;     // in order, duplicates kept; '+' is a space
};

// nullopt when the target is not origin-form ("*", "http://host/", no
// leading '/'), holds a fragment ('#', never sent by a client: RFC 9110
// §7.1), a control byte or space, a bad %XX escape, a decoded NUL, a "." or
// ".." segment (refused, not resolved: nothing here maps to files), or is
// over a limit. The answer to nullopt is 400.
std::optional<parsed_target> parse_target(std::string_view target, const target_limits& lim = {});

// %XX decoded (either case of hex digit), '+' as a space when plus_is_space;
// nullopt for a '%' not followed by two hex digits, or a NUL (decoded or
// not): no decoded value ever holds one.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The first parameter called `name`, or nullptr.
const std::string* find_param(const std::vector<query_param>& query, std::string_view name);

}  // namespace mailroom::http
