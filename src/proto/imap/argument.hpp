// imap::argument: one token of a command as the reader lexed it (RFC 9051
// §4, §9): atom, quoted string, literal (literal8 for BINARY) or a
// parenthesised list of arguments. NIL stays an atom (a mailbox may be
// called NIL): the typed parser asks is_nil() where the grammar has nstring. Owns its bytes. Produced by
// command_reader, walked by the typed parsers (command_parser, fetch_items,
// search_program); knows no command.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::imap {

enum class argument_kind {
    atom,     // ATOM-CHARs plus what atoms carry in practice: "[", "]", "*", "%", "\" ("BODY[1]", "1:*", "\Seen")
    quoted,   // "..." with \" and \\ unescaped (RFC 9051 §4.3)
    literal,  // {n} / {n+} / {n-}: text holds the n octets
    list,     // ( ... ): children
};

struct argument {
    argument_kind kind = argument_kind::atom;
    std::string text;                // atom, quoted, literal; empty for a list
    std::vector<argument> children;  // list only
    bool binary = false;             // literal8 ~{n} (RFC 3516 §4.3): may hold NUL
    // No SP before this token: it follows a ")" directly, as in
    // BODY[HEADER.FIELDS (From)]<0.10> where "]<0.10>" is glued to the list.
    bool glued = false;
    // A literal the engine took as a stream (command_reader::
    // accept_literal_streamed): text is empty, streamed_size is n.
    bool streamed = false;
    std::uint64_t streamed_size = 0;

    bool is_string() const noexcept { return kind == argument_kind::quoted || kind == argument_kind::literal; }
    // astring (RFC 9051 §9): atom, quoted or literal.
    bool is_astring() const noexcept { return kind == argument_kind::atom || is_string(); }
    // The atom NIL, case-insensitive (RFC 9051 §4.5).
    bool is_nil() const noexcept;
    // nstring: string or NIL.
    bool is_nstring() const noexcept { return is_string() || is_nil(); }
};

// Compares an atom with a keyword, ASCII case-insensitively.
bool is_keyword(const argument& a, std::string_view keyword) noexcept;

}  // namespace mailroom::imap
