// sandbox::http_api search: the query of GET /api/mailboxes/{mailbox}/messages
// and GET /api/wait (from, to, subject, text, since, before, limit, offset)
// parsed and bounded, and the test of one message's facts against it. Plain
// C++ over already-decoded text; called by the dev API's handlers, fuzzed by
// fuzz/dev_api_query_fuzz.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/target.hpp"
#include "mail/mime/search_text.hpp"

namespace mailroom::sandbox {

struct search_limits {
    std::size_t max_term_bytes = 1024;  // one from/to/subject/text value
    std::size_t max_limit = 500;        // messages in one answer
    std::size_t default_limit = 50;
};

struct message_search {
    // Substrings, matched without regard to case (mime::casemap_contains);
    // each present term must match.
    std::optional<std::string> from, to, subject, text;
    // By the message's Date: (RFC 9051 §6.4.4's "disregarding time and
    // timezone"): since is inclusive, before exclusive, as SENTSINCE/SENTBEFORE.
    std::optional<mime::civil_date> since, before;
    std::size_t limit = 50, offset = 0;
    std::vector<std::string> ignored;  // parameters other handlers read (timeout)
};

struct search_error {
    std::string message;  // for a 400 answer: names the parameter
};

// The query parameters of a search. Unknown names are refused unless listed
// in `also_allowed` (they are then reported in `ignored`), as is a name given
// twice, an empty or over-long term, a date that is not YYYY-MM-DD, and a
// limit/offset that is not a decimal number or a limit over max_limit.
std::variant<message_search, search_error> parse_search(const std::vector<http::query_param>& query,
                                                        const search_limits& lim = {},
                                                        const std::vector<std::string_view>& also_allowed = {});

// "2026-12-07" -> its date; nullopt for anything else (no time, no zone).
std::optional<mime::civil_date> parse_iso_date(std::string_view text);

// What a search looks at in one message, decoded to UTF-8 (message_facts
// in http_api_json.hpp fills it from a stored message).
struct search_facts {
    std::string from, to, subject;  // to: To and Cc joined
    std::string text;               // text parts, bounded by the caller
    std::optional<mime::civil_date> date;
};

bool search_matches(const message_search& s, const search_facts& f);

}  // namespace mailroom::sandbox
