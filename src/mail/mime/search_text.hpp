// Text for IMAP SEARCH (RFC 9051 §6.4.4): header values with RFC 2047
// encoded words decoded, text/* bodies with the transfer encoding undone and
// the charset converted, all as UTF-8 (GMime and its iconv), and the date
// of the Date: header for SENTBEFORE/SENTON/SENTSINCE. Matching is
// casemap.hpp's. Called by SEARCH (and later SORT/THREAD for subjects).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

// SEARCH HEADER / FROM / SUBJECT ...: the raw, unfolded values of every field
// named `name` (ASCII case-insensitive) in a stored header block, in order.
std::vector<std::string> header_field_values(std::string_view header, std::string_view name);

// A raw (possibly folded) header value, unfolded and decoded to UTF-8.
// Unknown charsets and invalid bytes end up as U+FFFD, never as an error.
std::string decode_header_text(std::string_view raw);

// A text/* part's content as UTF-8: decoded (base64, quoted-printable) and
// converted from its charset parameter (us-ascii when absent). Empty for a
// part that is not text/* or has an unknown transfer encoding.
std::string decode_text_body(std::string_view stored, const body_part& part);

struct civil_date {
    int year = 0;
    unsigned month = 0, day = 0;  // 1-12, 1-31
    auto operator<=>(const civil_date&) const = default;
};

// RFC 9051 §6.4.4 SENTON etc.: the date of a Date: value in the zone it was
// written in ("disregarding time and timezone"); nullopt if unparseable.
std::optional<civil_date> sent_date(std::string_view raw_date);

}  // namespace mailroom::mime
