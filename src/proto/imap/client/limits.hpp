// imap::client::response_limits: the bounds the IMAP client engine puts on
// what a server sends (RFC 9051 sets none on responses). Named data, each
// with its reason; `mailroom imap` uses the defaults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mailroom::imap::client {

struct response_limits {
    // One line up to CRLF or a literal's "{n}" (RFC 9051 §4.3). A UID
    // SEARCH answer over 100k messages is ~700 KB: generous, but bounded.
    std::size_t max_line_bytes = 1u << 20;
    // A literal kept in memory (a mailbox name, an ENVELOPE string).
    std::uint64_t max_literal_bytes = 1u << 20;
    // A literal streamed out in pieces (FETCH BODY[]/BINARY[]/RFC822): one message.
    std::uint64_t max_message_bytes = 1ull << 30;
    // Everything one response keeps in memory (its tokens and small literals).
    std::uint64_t max_response_bytes = 4u << 20;
    // Nested parentheses (BODYSTRUCTURE of a deep MIME tree).
    std::size_t max_depth = 64;
};

}  // namespace mailroom::imap::client
