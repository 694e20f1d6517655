// Parses a stored message (LF line ends) into its ENVELOPE and MIME tree with
// exact byte ranges. GMime reads the Content-* fields; the boundaries are
// found here because GMime does not report where its parts begin and end,
// and IMAP sections and sizes need exactly that. Never fails: broken input
// still gives a structure, as Dovecot's message-parser does. Called by the
// mailbox index when it caches a message, by FETCH/SEARCH on a cache miss
// (FETCH reads the file by windows, never whole).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

struct parse_limits {
    unsigned max_depth = 40;         // nested multiparts/messages; deeper ones become leaves
    std::size_t max_parts = 10'000;  // parts in a message; the rest are left unsplit
};

message_structure parse_message(std::string_view stored, const parse_limits& limits = {});

// The same structure from a message of `size` octets read in pieces:
// read(offset, max) gives 1 to max octets at offset (none: the file is
// shorter than `size`, an error).
// Memory: one window (detail::window_bytes) plus the headers being read,
// whatever the message's size. A failed read fails the parse.
using read_function = std::function<result<std::string>(std::uint64_t offset, std::size_t max)>;
result<message_structure> parse_message(std::uint64_t size, const read_function& read, const parse_limits& limits = {});

}  // namespace mailroom::mime
