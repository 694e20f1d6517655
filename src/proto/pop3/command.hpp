// pop3::command: parses one POP3 command line (RFC 1939 §3, RFC 2449 §3)
// from an untrusted client. Pure function, no state; the session decides
// what the command means in its state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mailroom::pop3 {

enum class verb {
    user,
    pass,
    apop,
    auth,
    stls,
    capa,
    utf8,
    quit,  // AUTHORIZATION (QUIT, CAPA: both)
    stat,
    list,
    retr,
    dele,
    noop,
    rset,
    top,
    uidl,  // TRANSACTION
    unknown,
};

struct command {
    verb what = verb::unknown;
    // Everything after the single space that follows the keyword, verbatim
    // (PASS passwords may contain spaces, RFC 1939 §7 leaves it open).
    std::string_view rest;
    // rest split at runs of spaces; empty when there is no argument.
    std::vector<std::string_view> args;
};

enum class parse_error {
    empty_line,         // nothing but the line end
    bad_characters,     // NUL or another control character outside the arguments' rules
    argument_too_long,  // one argument over the limit (RFC 2449 §4: 255 octets)
};

struct parse_result {
    std::optional<command> cmd;  // set when error is absent
    std::optional<parse_error> error;
};

// line: without its line end. Keywords are case-insensitive; a keyword that
// is not one of ours yields verb::unknown (not an error: the session answers).
parse_result parse_command(std::string_view line, std::size_t max_argument);

// A message number or line count: decimal digits only, no sign, at most
// ten digits (RFC 1939 §3 "msg"). nullopt for anything else.
std::optional<std::uint64_t> parse_number(std::string_view text);

}  // namespace mailroom::pop3
