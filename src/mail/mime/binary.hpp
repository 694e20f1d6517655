// RFC 3516 BINARY[section] and BINARY.SIZE: a part's content with its
// Content-Transfer-Encoding undone (GMime's base64 and quoted-printable
// decoders). 7bit/8bit/binary content is the CRLF form unchanged. Called by
// FETCH; the caller applies <partial> to the decoded bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

struct binary_content {
    bool unknown_cte = false;  // RFC 3516 §4.3: answer NO [UNKNOWN-CTE]; bytes empty
    std::string bytes;
};

// `part` belongs to the structure parsed from `stored`.
binary_content decode_binary(std::string_view stored, const body_part& part);

// BINARY.SIZE: the size decode_binary would give; computed without keeping
// the bytes for identity encodings. unknown_cte as above.
struct binary_size_result {
    bool unknown_cte = false;
    std::uint64_t size = 0;
};
binary_size_result binary_size(std::string_view stored, const body_part& part);

}  // namespace mailroom::mime
