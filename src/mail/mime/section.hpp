// RFC 9051 §6.4.5 BODY[section]: finds the part a section's numbers name and
// the exact bytes IMAP returns for it, as ranges of the stored file plus the
// CRLF size, so FETCH can stream them. <partial> is applied by the caller on
// the CRLF form. Called by FETCH (src/proto/imap via the store).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

enum class section_text { none, header, header_fields, header_fields_not, text, mime };

struct section_spec {
    std::vector<std::uint32_t> part;  // "1.2.3" -> {1, 2, 3}; empty: the message itself
    section_text text = section_text::none;
    std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names, compared ASCII case-insensitively
};

struct byte_range {
    std::uint64_t offset = 0, length = 0;  // in the stored file
    bool operator==(const byte_range&) const = default;
};

struct located_section {
    std::vector<byte_range> ranges;  // sent in order, each in CRLF form
    bool blank_line = false;         // HEADER.FIELDS[.NOT]: a CRLF follows the ranges
    std::uint64_t size = 0;          // octets IMAP sends: CRLF form, blank line included
};

// The part named by `parts` (RFC 9051 §6.4.5 part numbering: part 1 of a
// non-multipart message is its body; a message/rfc822 part's numbers go
// into the message inside; as in Dovecot, ".1" after a non-multipart part
// of a multipart names that part again). nullptr if there is no such part.
// Never returns a part for an empty `parts`: that is the message, `root` itself.
const body_part* find_part(const body_part& root, std::span<const std::uint32_t> parts);

// nullopt when the section does not exist (no such part, or HEADER/TEXT of a
// part that is not message/rfc822, or MIME without part numbers). `stored` is
// needed only for HEADER.FIELDS[.NOT] (to read the header); otherwise the
// structure alone answers.
std::optional<located_section> locate_section(const message_structure& m, std::string_view stored,
                                              const section_spec& spec);

// The bytes IMAP sends for `s`: the ranges of `stored` in CRLF form, NUL
// sent as 0x80 (an IMAP literal cannot carry NUL, RFC 9051 §4.3; Dovecot
// does the same, and the size does not change). A FETCH that streams the
// ranges itself must do the same.
std::string section_bytes(std::string_view stored, const located_section& s);

}  // namespace mailroom::mime
