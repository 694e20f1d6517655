// imap::fetch_item: one data item of FETCH (RFC 9051 §6.4.5, RFC 3501
// §6.4.5 for RFC822*, RFC 3516 BINARY, RFC 7162 MODSEQ) with its section
// and partial range; macros ALL/FAST/FULL expanded. Parsed from the
// argument tree by parse_fetch_items; the session engine and F's
// renderers (ENVELOPE, BODYSTRUCTURE, sections) consume the result.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/imap/argument.hpp"

namespace mailroom::imap {

enum class fetch_attribute {
    envelope,
    flags,
    internaldate,
    rfc822,         // = BODY[] with the RFC822 name in the response (sets \Seen)
    rfc822_header,  // = BODY.PEEK[HEADER]
    rfc822_size,
    rfc822_text,  // = BODY[TEXT]
    body,         // BODY without a section: the non-extensible BODYSTRUCTURE
    bodystructure,
    uid,
    body_section,  // BODY[section]<partial> / BODY.PEEK[...]
    binary,        // BINARY[section]<partial> / BINARY.PEEK[...] (RFC 3516 §4.2)
    binary_size,   // BINARY.SIZE[section]
    modseq,        // RFC 7162 §3.1.4
};

// section-spec (RFC 9051 §9): part numbers, then an optional text part.
enum class section_text {
    none,               // BODY[] or BODY[1.2]: the whole (part)
    header,             // HEADER
    header_fields,      // HEADER.FIELDS (names)
    header_fields_not,  // HEADER.FIELDS.NOT (names)
    text,               // TEXT
    mime,               // MIME (only after a part number)
};

struct section_spec {
    std::vector<std::uint32_t> part;  // "1.2.3" as {1, 2, 3}; empty for the top level
    section_text text = section_text::none;
    std::vector<std::string> fields;  // header field names as sent, for HEADER.FIELDS[.NOT]
    friend bool operator==(const section_spec&, const section_spec&) = default;
};

struct partial_range {
    std::uint64_t offset = 0;  // "<offset.length>"
    std::uint64_t length = 1;  // nz-number
    friend bool operator==(const partial_range&, const partial_range&) = default;
};

struct fetch_item {
    fetch_attribute what = fetch_attribute::flags;
    bool peek = false;                     // BODY.PEEK / BINARY.PEEK: \Seen is not set
    section_spec section;                  // body_section, binary, binary_size
    std::optional<partial_range> partial;  // body_section, binary
    friend bool operator==(const fetch_item&, const fetch_item&) = default;
};

struct fetch_items_result {
    std::vector<fetch_item> items;
    std::size_t used = 0;  // arguments consumed from the front of args
};
// The ALL / FAST / FULL / fetch-att / "(" fetch-att *(SP fetch-att) ")"
// at the front of args. A lone fetch-att may span several arguments
// (BODY[HEADER.FIELDS (A B)] lexes as "BODY[HEADER.FIELDS", (A B), "]").
// nullopt on any syntax error (the caller answers BAD). BINARY sections
// allow part numbers only (RFC 3516 §4.2).
std::optional<fetch_items_result> parse_fetch_items(std::span<const argument> args);

}  // namespace mailroom::imap
