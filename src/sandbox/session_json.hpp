// sandbox: session records and captured-message events as JSON for the HTTP
// API and its live event stream (sandboxweb). Times are RFC 3339 UTC with
// milliseconds; dialogue bytes are JSON strings (invalid UTF-8 as U+FFFD).
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "sandbox/dev_context.hpp"
#include "sandbox/session_journal.hpp"

namespace mailroom::sandbox {

std::string rfc3339(wall_time t);
// with_dialogue = false: the summary for a list (no entries, their count).
boost::json::value to_json(const session_record& s, bool with_dialogue = true);
boost::json::value to_json(const captured_message& m);

}  // namespace mailroom::sandbox
