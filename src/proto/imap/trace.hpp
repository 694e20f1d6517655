// imap::trace_command: one command as a single printable log/trace line,
// secrets masked (LOGIN password, AUTHENTICATE initial response: "********"),
// literals shown by size only, long strings cut, controls escaped. For the
// session engine's --trace and logs (STYLE.md §11: never a password).
#pragma once

#include <cstddef>
#include <string>

#include "proto/imap/command_reader.hpp"

namespace mailroom::imap {

// "a1 LOGIN alice ********", "a2 APPEND INBOX (\Seen) {2048}". At most
// max_bytes (plus "...") of output.
std::string trace_command(const raw_command& cmd, std::size_t max_bytes = 512);

}  // namespace mailroom::imap
