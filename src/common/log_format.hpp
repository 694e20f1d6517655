// common::log_format: log_format = "json" (one JSON object a line) over the
// text lines every module writes. A text line is "<session id>? <queue
// id>? <message>" with key=value fields in the message (log_field quoting);
// json_log_line splits that into time, level, component, session,
// queue_id, message and fields. Installed by `mailroom serve`
// (use_log_format); docs/config.md and docs/fail2ban.md show the form.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mailroom {

// The JSON object (no newline) for one line of `text` logged at `level`
// ("info", "warning", ...) at `when` (written in UTC, milliseconds).
std::string json_log_line(std::chrono::system_clock::time_point when, std::string_view level, std::string_view text);

// "text" (the default pattern) or "json" for the default logger.
void use_log_format(std::string_view format);

}  // namespace mailroom
