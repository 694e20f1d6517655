// common::log_field: the one place where a value someone else chose (a HELO
// name, an address, a user name, a remote server's reply) is made safe for a
// log line or an administrator's terminal. The server and delivery log lines
// and `mailroom queue list|show` print peer-supplied values through it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom {

// A value that is a run of printable ASCII other than '"' and '\' comes
// back as it is. Anything else is quoted: "..." with \" and \\ for quote and
// backslash, \xHH for control bytes, DEL and 8-bit bytes; spaces stay. So a
// value can neither end its field early ("a x=1"@example.test cannot add
// x=1), nor start a line, nor send escape sequences to a terminal. Only the
// first `max` bytes are kept; a cut value is quoted and ends in "...".
// The empty value is "".
std::string log_field(std::string_view value, std::size_t max = 256);

}  // namespace mailroom
