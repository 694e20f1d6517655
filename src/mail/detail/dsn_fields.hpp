// mail::detail: the small text rules a DSN is made of. Untrusted text
// (remote replies, envelope values) made safe for one header line; header
// folding; RFC 3463 status codes and RFC 3464 typed fields. Used only by
// mail/dsn.cpp; here so each rule can be tested on its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom::mail::detail {

// One line of printable text, at most max_bytes: CR, LF, tab and every
// other control character become a space, runs of spaces become one,
// leading and trailing spaces go. Non-ASCII: kept when allow_utf8 and it is
// well-formed UTF-8, else each byte becomes '?'. Truncation never splits a
// UTF-8 sequence.
std::string one_line(std::string_view s, std::size_t max_bytes, bool allow_utf8);

// "Name: value\r\n", folded (RFC 5322 §2.2.3) before a space so lines stay
// within 78 octets where words allow, and always within 998 (§2.1.1): a word
// longer than that is split. value must already be one line (one_line()).
std::string fold_field(std::string_view name, std::string_view value);

// Text wrapped at spaces to lines of at most `width` (longer words stand
// alone, split at 998), each ending in CRLF.
std::string wrap_text(std::string_view text, std::size_t width = 76);

// True for an RFC 3463 §2 status "class.subject.detail": class 2, 4 or 5,
// subject and detail 1-3 digits without leading zeros.
bool is_status_code(std::string_view s);

// The enhanced status a reply like "550 5.1.1 No such user" carries, if
// its class matches the reply code; "" otherwise.
std::string status_in_reply(std::string_view reply);

// True when text starts like an SMTP reply: "[2-5]dd" then space, '-' or end.
bool is_smtp_reply(std::string_view text);

// "rfc822; addr" for ASCII, "utf-8; addr" when it has non-ASCII (RFC 6533 §3).
std::string typed_address(std::string_view address);

}  // namespace mailroom::mail::detail
