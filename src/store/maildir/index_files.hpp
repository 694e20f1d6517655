// store::maildir index files, beside mailroom-uidlist (storage/uidlist.hpp):
//   dovecot-keywords   "<n> <keyword>" per line: letter 'a'+n in a file
//                      name's info means the keyword (Dovecot's format, so
//                      Dovecot and we read each other's keywords).
//   mailroom-index     a cache, rebuildable at any time:
//                        "mailroom-index 1 V<uidvalidity> M<highest modseq>"
//                        "<uid> <modseq> <internal date> <size> <crlf size> <info letters or ->"
// Parsers return nullopt for damaged text; the caller rebuilds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
    std::string info;  // the info letters last seen ("" for none)
};

struct index_cache {
    std::uint32_t uidvalidity = 0;
    std::uint64_t highest_modseq = 0;
    std::map<std::uint32_t, cached_message> messages;

    static std::optional<index_cache> parse(std::string_view text);
    std::string serialize() const;
};

}  // namespace mailroom::store::maildir
