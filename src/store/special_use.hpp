// store::special_use: the RFC 6154 special-use folders. A new user gets
// Sent, Drafts, Trash, Junk and Archive, subscribed; the attribute belongs
// to the name (as in Dovecot's default "mailbox Sent { special_use = \Sent }"),
// so a renamed folder loses it and a re-created one has it again. Called by
// `mailroom user add` and the IMAP engine's LIST (later).
#pragma once

#include <optional>
#include <string_view>
#include <system_error>

namespace mailroom::store {

class mail_store;

enum class special_use { sent, drafts, trash, junk, archive };

struct special_folder {
    std::string_view name;  // UTF-8 folder name
    special_use use;
    std::string_view attribute;  // RFC 6154 §2 mailbox attribute
};

inline constexpr special_folder special_folders[] = {
    {"Sent", special_use::sent, "\\Sent"},          {"Drafts", special_use::drafts, "\\Drafts"},
    {"Trash", special_use::trash, "\\Trash"},       {"Junk", special_use::junk, "\\Junk"},
    {"Archive", special_use::archive, "\\Archive"},
};

// The special use of a folder name, if it has one (names are case-sensitive).
std::optional<special_folder> special_use_of(std::string_view folder);

// Creates the folders of special_folders that are missing and subscribes
// them (and INBOX). Folders that exist are left alone.
std::error_code create_special_folders(mail_store& store);

}  // namespace mailroom::store
