// storage::uidlist: the "mailroom-uidlist" file of a Maildir, which gives
// each message a UID that never changes and is never reused (POP3 UIDL,
// later IMAP UID). Text format, one header line and one line per message:
//   V<uidvalidity> N<next uid>
//   <uid> <base name>
// The base name is the file name without the ":2,<flags>" info suffix, so
// a message keeps its UID when a client moves it from new/ to cur/.
// Delivery appends "+<uid> <base name>" lines (store/maildir/uid_file.hpp)
// instead of rewriting the file: their UIDs are >= N and ascending, and
// N becomes the last one + 1. A rewrite (serialize) folds them in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::storage {

struct uidlist {
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_uid = 1;
    std::map<std::string, std::uint32_t, std::less<>> uids;  // base name -> uid
    std::size_t appended = 0;                                // "+" lines parse() found (not yet folded in by a rewrite)

    // nullopt when the text is not a well-formed list (then the caller
    // starts a new one with a new uidvalidity, so clients refetch).
    static std::optional<uidlist> parse(std::string_view text);
    std::string serialize() const;  // ascending UID, no "+" lines
    static std::string append_line(std::uint32_t uid, std::string_view base_name);
};

// "1700000000.M1P2Q3.host,S=10,W=11:2,S" -> "1700000000.M1P2Q3.host,S=10,W=11"
std::string_view maildir_base_name(std::string_view file_name);

}  // namespace mailroom::storage
