// The Content-* fields of one MIME entity (RFC 2045, 2183, 3066, 2557),
// read with GMime (Content-Type and Content-Disposition parameters, with
// RFC 2231 continuations and charsets) into a body_part without offsets.
// Called by parser.cpp for every entity it finds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mail/mime/detail/header_fields.hpp"
#include "mail/mime/structure.hpp"

namespace mailroom::mime::detail {

struct content_fields {
    body_part part;                       // type, parameters, id, ... filled; ranges zero
    std::optional<std::string> boundary;  // multipart only, as GMime decoded it
};

// `in_digest`: the entity is a part of multipart/digest, whose default type is
// message/rfc822 (RFC 2046 §5.1.5); otherwise text/plain; charset=us-ascii.
content_fields read_content_fields(const std::vector<header_field>& fields, bool in_digest);

}  // namespace mailroom::mime::detail
