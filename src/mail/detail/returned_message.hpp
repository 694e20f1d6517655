// mail::detail: the copy of the original message a DSN carries back (RFC 3462
// text/rfc822-headers, RFC 2046 message/rfc822), made safe to embed: CRLF
// line ends, no line over 998 octets, bounded size. Used by mail/dsn.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom::mail::detail {

struct returned_content {
    std::string bytes;       // CRLF lines, ends in CRLF (or empty)
    bool full = false;       // the whole message, else its header section only
    bool truncated = false;  // RET=FULL or the header section was cut to a limit
    bool eight_bit = false;  // holds a byte >= 0x80
};

// The header section of `original`: everything before the first empty line
// (all of it when there is none), bare CR or LF made CRLF, a line over 998
// octets cut, at most max_bytes (cut after the last whole line that fits).
returned_content header_section(std::string_view original, std::size_t max_bytes);

// The whole message when want_full, it fits in max_full_bytes and no line is
// over 998 octets (which would not survive 7bit/8bit transport, RFC 5322
// §2.1.1); otherwise header_section(original, max_header_bytes), marked
// truncated when want_full could not be honoured.
returned_content returned_copy(std::string_view original, bool want_full, std::size_t max_full_bytes,
                               std::size_t max_header_bytes);

}  // namespace mailroom::mail::detail
