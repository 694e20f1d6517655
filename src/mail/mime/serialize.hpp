// A compact, versioned binary form of message_structure (envelope + MIME tree
// with ranges) for the mailbox index's per-UID cache, so FETCH and SEARCH need
// not reopen the message. Layout: "MS" magic, a version byte, then fields in
// declaration order (LEB128 integers, length-prefixed strings, presence bytes
// for optionals). A blob of another version, or damaged, reads as nullopt:
// the caller reparses the message. Called by the mailbox index.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mail/mime/structure.hpp"

namespace mailroom::mime {

inline constexpr unsigned char structure_format_version = 1;

std::string serialize(const message_structure& m);

// nullopt for a blob not written by this version of serialize(), truncated
// or corrupt; never reads past the blob, never allocates more than it holds.
std::optional<message_structure> deserialize(std::string_view blob);

}  // namespace mailroom::mime
