// RFC 5051 i;unicode-casemap, the IMAP SEARCH and SORT comparator: each
// character titlecased, then fully decomposed (NFKD), with GLib's Unicode
// tables. Invalid UTF-8 is repaired first (detail/utf8.hpp). Called by SEARCH (header
// and body keys) and later SORT.
#pragma once

#include <string>
#include <string_view>

namespace mailroom::mime {

// RFC 5051 §2: the key two strings are compared by, as UTF-8.
std::string casemap_key(std::string_view utf8);

// Does `haystack` contain `needle` under i;unicode-casemap (RFC 5051 §2
// "substring")? An empty needle is always contained.
bool casemap_contains(std::string_view haystack, std::string_view needle);

// Like casemap_contains, with the needle's key already made (one SEARCH key, many messages).
bool casemap_contains_key(std::string_view haystack, std::string_view needle_key);

}  // namespace mailroom::mime
