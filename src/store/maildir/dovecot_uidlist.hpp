// store::maildir dovecot_uidlist: reads the dovecot-uidlist that Dovecot
// keeps in a Maildir it served, so that mailroom, taking the Maildir over,
// keeps its UIDVALIDITY, UIDs and next UID (clients then download nothing
// again). Read only when mailroom-uidlist is missing or empty: ours wins
// when both exist (layout.hpp). Called by uid_file's load_uidlist.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "storage/uidlist.hpp"

namespace mailroom::store::maildir {

constexpr const char* dovecot_uidlist_file = "dovecot-uidlist";

// Versions 1 ("1 <uidvalidity> <next uid>", lines "<uid> <file name>") and 3
// ("3 V<uidvalidity> N<next uid> G<guid> ...", lines "<uid> [<ext fields>]
// :<file name>"). UIDs must ascend; the next UID is above the last one even
// when the header lags behind (Dovecot appends lines without rewriting it).
// File names lose their ":2," info. nullopt for any damage: then the
// mailbox starts a new UID space, as with a damaged list of ours.
std::optional<storage::uidlist> parse_dovecot_uidlist(std::string_view text);

// The parsed dovecot-uidlist of dir; nullopt if it is missing or damaged.
result<std::optional<storage::uidlist>> read_dovecot_uidlist(durable::file_system& fs,
                                                             const std::filesystem::path& dir);

}  // namespace mailroom::store::maildir
