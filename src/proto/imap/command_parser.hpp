// imap::parse_command: turns a raw_command (tokens) into the typed command
// (command.hpp), checking every argument against RFC 9051 §9 and the
// extensions' grammars. Pure function; the session engine decides whether
// the command is allowed in its state and answers the failures with a
// tagged BAD carrying the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/imap/command.hpp"
#include "proto/imap/command_reader.hpp"
#include "proto/imap/limits.hpp"

namespace mailroom::imap {

enum class parse_failure_kind {
    unknown_command,  // "BAD Unknown command" (the name is not one of ours)
    syntax,           // arguments do not fit the command's grammar
    too_complex,      // a search or sequence-set limit was exceeded
};

struct parse_failure {
    parse_failure_kind kind = parse_failure_kind::syntax;
    std::string text;  // for the BAD line, safe to echo (no argument bytes)
};

struct parse_result {
    std::optional<imap::command> cmd;  // set when failure is absent
    std::optional<parse_failure> failure;
};

// Command names and keywords are case-insensitive (RFC 9051 §9 note 3).
// "UID x" yields x's struct with uid=true.
// Takes the command by value: move it in, literals (APPEND messages) are
// moved into the result, not copied.
parse_result parse_command(raw_command raw, const limits& lim);

// The line that ends IDLE (RFC 2177 §3): "DONE", case-insensitive.
bool is_idle_done(std::string_view line) noexcept;

}  // namespace mailroom::imap
