// store::maildir index files, beside mailroom-uidlist (storage/uidlist.hpp):
//   dovecot-keywords   "<n> <keyword>" per line: letter 'a'+n in a file
//                      name's info means the keyword (Dovecot's format, so
//                      Dovecot and we read each other's keywords).
//   mailroom-index     a cache, rebuildable at any time:
//                        "mailroom-index 3 V<uidvalidity> M<highest modseq> E<expunge floor> [R<first recent UID>]
//                         [S<new/ mtime ns>,<cur/ mtime ns>,<uidlist mtime ns>,<uidlist size>,<next UID>]"
//                        "<uid> <modseq> <internal date> <size> <crlf size> <info letters or -> <file or ->"
//                        "x <modseq> <uid set>" per sync that found messages gone
//                          (RFC 7162 VANISHED), ascending modseq, all above the floor:
//                          what was expunged at or below it is forgotten.
//                      Version 1 (no E, no x lines) is read with floor = highest modseq.
//                      Version 3: a size counts the final "\n" a file lacks; sizes read
//                      from 1 and 2 are marked unverified_end for sync to check once.
//                      The file ("new/<name>" or "cur/<name>", the rest of the line) and S
//                      let sync skip the rescan while new/, cur/ and the uidlist are as
//                      they were when it listed them (maildir_scan.hpp).
// Parsers return nullopt for damaged text; the caller rebuilds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/mail_store.hpp"

namespace mailroom::store::maildir {

constexpr std::size_t max_keywords = 26;  // letters a-z

// Index = keyword number; an empty string is an unused slot.
std::optional<std::vector<std::string>> parse_keywords(std::string_view text);
std::string serialize_keywords(const std::vector<std::string>& names);
bool valid_keyword(std::string_view name);  // an IMAP atom (RFC 9051 flag-keyword), at most 128 octets

struct cached_message {
    std::uint64_t modseq = 0;
    std::int64_t internal_date = 0;
    std::uint64_t size = 0, crlf_size = 0;
    std::string info;             // the info letters last seen ("" for none)
    bool unverified_end = false;  // from version 1/2: the file may lack a final line end
    std::string file;             // relative to the Maildir; "" when unknown
};

// What a listing of the Maildir depended on, recorded with the index it
// made; 0 where unknown.
struct maildir_stamps {
    std::int64_t new_ns = 0, cur_ns = 0;  // mtimes of new/ and cur/
    std::int64_t uidlist_ns = 0;          // the uidlist's mtime and size
    std::uint64_t uidlist_size = 0;
    friend bool operator==(const maildir_stamps&, const maildir_stamps&) = default;
};

struct expunge_record {
    std::uint64_t modseq = 0;
    std::vector<uid_range> uids;  // ascending, neither overlapping nor adjacent
};

constexpr std::size_t max_expunge_records = 1000;  // older ones raise the floor

struct index_cache {
    std::uint32_t uidvalidity = 0;
    std::uint64_t highest_modseq = 0;
    std::uint64_t expunge_floor = 0;  // expunges at or below it are not in `expunged`
    // RFC 3501 §2.3.2: UIDs from here on are \Recent to the next session
    // that claims them; 0 when an index written before it was kept.
    std::uint32_t first_recent = 0;
    std::optional<maildir_stamps> stamps;  // with the uidlist's next UID then
    std::uint32_t next_uid = 0;
    std::map<std::uint32_t, cached_message> messages;
    std::vector<expunge_record> expunged;  // ascending modseq

    // Records uids (ascending) as expunged at modseq, forgetting the oldest
    // record beyond max_expunge_records.
    void add_expunged(std::uint64_t modseq, const std::vector<std::uint32_t>& uids);

    static std::optional<index_cache> parse(std::string_view text);
    std::string serialize() const;
};

// "1:3,5" for ranges as expunge_record keeps them; parse is strict (canonical only).
std::string serialize_uid_set(const std::vector<uid_range>& ranges);
std::optional<std::vector<uid_range>> parse_uid_set(std::string_view text);
// Ascending UIDs as canonical ranges.
std::vector<uid_range> to_ranges(const std::vector<std::uint32_t>& ascending);

}  // namespace mailroom::store::maildir
