// Splits a stored header block (LF line ends) into its fields, keeping each
// field's exact bytes and offset so FETCH can send a subset by ranges, and
// unfolds values for the structure parser. Lines without a colon are kept as
// nameless fields (they are part of HEADER, never of HEADER.FIELDS).
// Called by parser.cpp and section.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::mime::detail {

struct header_field {
    std::string_view name;       // before the colon, trailing blanks removed; empty if no colon
    std::string_view raw_value;  // after the colon, folding kept, final LF removed
    std::uint64_t offset = 0;    // of the field's first byte, in the block given
    std::uint64_t length = 0;    // every line of the field, final LF included
};

// Returns the fields of `block` in order. The blank line ending a header, if
// present, is not a field.
std::vector<header_field> split_header(std::string_view block);

// RFC 5322 §2.2.3 unfolding: CR/LF removed, leading and trailing blanks
// trimmed, NUL replaced by U+FFFD.
std::string unfold(std::string_view raw_value);

// The first field named `name` (ASCII case-insensitive), unfolded.
std::optional<std::string> first_field(const std::vector<header_field>& fields, std::string_view name);

bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace mailroom::mime::detail
