// imap_search::evaluate: which messages of the selected view a SEARCH
// program (imap::search_key, RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162
// §3.1.5, RFC 5182 "$") matches. Flags, dates, sizes, sets and MODSEQ are
// decided from the view; a message is read (header only when that is
// enough) only where they do not decide. String keys match with RFC 5051
// i;unicode-casemap on decoded text. Called by run_search and the tests.
#pragma once

#include <cstdint>
#include <ctime>
#include <span>
#include <vector>

#include "proto/imap/search_program.hpp"
#include "proto/imap/selected_view.hpp"
#include "server/imap_search/message_source.hpp"

namespace mailroom::imap_search {

struct search_context {
    std::span<const imap::message_state> view;  // view[i]: sequence number i + 1
    std::span<const std::uint32_t> saved;       // UIDs of "$", ascending
    // Seconds east of UTC of the server's zone at a time (BEFORE/ON/SINCE
    // take the internal date's day there, RFC 3501 §6.4.4); the local zone by default.
    long (*zone_offset)(std::int64_t when) = nullptr;
};

// The sequence numbers of the matching messages, ascending. Messages marked
// gone, or that cannot be read, never match a key that needs their text.
std::vector<std::uint32_t> evaluate(const imap::search_key& program, const search_context& ctx, message_source& source);

// The local zone's offset (localtime_r), the default of search_context.
long local_zone_offset(std::int64_t when);

}  // namespace mailroom::imap_search
