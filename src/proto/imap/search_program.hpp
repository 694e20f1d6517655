// imap::search_key: a SEARCH program as a tree (RFC 9051 §6.4.4, RFC 3501
// §6.4.4 for NEW/OLD/RECENT/UNSEEN..., RFC 7162 §3.1.5 MODSEQ, RFC 5182 "$").
// The top level and "( ... )" are AND nodes, OR has two children, NOT one.
// Parsed from the argument tree by parse_search_program; evaluated by the
// session engine (and reused by SORT and THREAD).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/imap/argument.hpp"
#include "proto/imap/date_time.hpp"
#include "proto/imap/sequence_set.hpp"

namespace mailroom::imap {

enum class search_op {
    and_,  // children: all must match (top level, parenthesised list)
    or_,   // two children
    not_,  // one child
    all,
    // flags
    answered,
    deleted,
    draft,
    flagged,
    seen,
    recent,
    new_,
    old,
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unseen,
    keyword,
    unkeyword,  // text: the keyword
    // strings (text: the string; field: the header name for `header`)
    bcc,
    body,
    cc,
    from,
    subject,
    text,
    to,
    header,
    // dates (day): INTERNALDATE and the Date: header
    before,
    on,
    since,
    sentbefore,
    senton,
    sentsince,
    // sizes (number): RFC822.SIZE
    larger,
    smaller,
    // sets
    sequence,  // a sequence-set of message numbers (or "$")
    uid,       // UID sequence-set (or "$")
    // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer
    modseq,
};

enum class modseq_entry_type { all, shared, priv };

struct search_key {
    search_op op = search_op::all;
    std::string text;                                       // string keys, keyword/unkeyword; the entry name for modseq
    std::string field;                                      // header field name for `header`
    imap::date day;                                         // date keys
    std::uint64_t number = 0;                               // larger/smaller; the mod-sequence for modseq
    modseq_entry_type entry_type = modseq_entry_type::all;  // modseq with an entry name
    bool has_entry = false;
    sequence_set set;                  // sequence, uid
    std::vector<search_key> children;  // and_, or_, not_
};

struct search_limits {
    unsigned max_depth = 32;
    std::size_t max_keys = 1000;
    std::size_t max_sequence_ranges = 10000;
};

// Parses search-key *(SP search-key), all of args (SEARCH, UID SEARCH,
// SORT and THREAD end with it), into one and_ node. Strings are
// astrings (atom, quoted, literal), returned as bytes: the charset is the
// caller's. nullopt on a syntax error or an exceeded limit.
std::optional<search_key> parse_search_program(std::span<const argument> args, const search_limits& lim);

// The same, telling a syntax error from an exceeded limit (the engine
// answers both with BAD, the text differs).
struct search_parse_result {
    std::optional<search_key> program;
    bool too_complex = false;  // set with no program: max_depth, max_keys or max_sequence_ranges
};
search_parse_result parse_search(std::span<const argument> args, const search_limits& lim);

}  // namespace mailroom::imap
