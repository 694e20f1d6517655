// Builds the RFC 9051 ENVELOPE of a message from its header block: raw
// (undecoded) unfolded values, addresses with groups, Sender and Reply-To
// defaulting to From. Called by parser.cpp (top message and every
// message/rfc822 part); usable alone on a header read from the store.
#pragma once

#include <string_view>

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

// `header` is the stored header block (LF line ends; the blank line may be included).
envelope envelope_from_header(std::string_view header);

}  // namespace mailroom::mime
