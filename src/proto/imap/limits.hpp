// IMAP limits on untrusted input, each default with its reason; the reader
// and the typed parser enforce them, the session engine overrides them per
// listener from the configuration (STYLE.md §6).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mailroom::imap {

struct limits {
    // RFC 9051 §4 sets no line limit; RFC 7162 §4 asks servers to accept
    // lines of at least 8192 octets (long UID sets). Terminator included.
    std::size_t max_line_bytes = 65536;
    // Everything of one command except APPEND message literals: tag, name,
    // arguments, small literals (Dovecot: imap_max_line_length 64 KiB).
    std::size_t max_command_bytes = 256 * 1024;
    // A literal that is not an APPEND message (mailbox names, search strings,
    // passwords, header-field names).
    std::uint64_t max_literal_bytes = 64 * 1024;
    // One APPEND/CATENATE message literal; advertised by APPENDLIMIT (RFC 7889).
    std::uint64_t max_message_bytes = 35u << 20;
    // RFC 3502 MULTIAPPEND: messages in one APPEND command, and their octets
    // together (the engine sends NO [TOOBIG] beyond it). Message literals are
    // streamed to staged files, so this bounds the disk one APPEND stages;
    // CATENATE TEXT parts are still held in memory up to it.
    unsigned max_append_messages = 1000;
    std::uint64_t max_append_total_bytes = 64u << 20;
    unsigned max_nesting_depth = 16;          // parenthesised lists inside one another
    std::size_t max_arguments = 10000;        // tokens of one command, at every depth
    std::size_t max_tag_bytes = 64;           // RFC 9051 §9 sets none; tags are echoed back
    std::size_t max_sequence_ranges = 10000;  // ranges of one sequence set
    unsigned max_search_depth = 32;           // NOT/OR/() nesting of a search program
    std::size_t max_search_keys = 1000;       // keys of one search program
    // RFC 7888 §4: a non-synchronizing literal over the limit is still sent
    // by the client; up to this many octets are read and discarded so the
    // session can go on, a larger one closes the connection.
    std::uint64_t max_discard_bytes = 64u << 20;
    unsigned max_bad_commands = 20;  // then BYE and close
    // RFC 9051 §5.4: the autologout timer must be at least 30 minutes.
    std::chrono::milliseconds autologout{std::chrono::minutes(30)};
};

}  // namespace mailroom::imap
