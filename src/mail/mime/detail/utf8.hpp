// Repairs text before it is searched: NUL becomes a space (no IMAP string
// holds NUL, RFC 9051 §4.3) and invalid UTF-8 becomes U+FFFD (GLib).
// Called by casemap.cpp and search_text.cpp.
#pragma once

#include <string>
#include <string_view>

namespace mailroom::mime::detail {

std::string valid_utf8(std::string_view s);

}  // namespace mailroom::mime::detail
