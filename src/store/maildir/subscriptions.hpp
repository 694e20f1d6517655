// store::maildir subscriptions: the "subscriptions" file at the root of a
// user's Maildir++, in Dovecot's format so that both read each other's:
//   version 2 (Dovecot 2.x, what we write): "V\t2\n\n" then one name per
//     line, modified UTF-7, the hierarchy separator written as a tab;
//   version 1 (older): one name per line, '.' as the separator.
// Entries are kept as stored (so a line we cannot decode survives a
// rewrite); maildir_store turns them into UTF-8 names. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom::store::maildir {

constexpr const char* subscriptions_file = "subscriptions";

// The names as on disk in version 1 form (modified UTF-7, '.' between
// levels), without duplicates, in file order; nullopt if the file is torn
// (no final newline) or a line is empty or too long.
std::optional<std::vector<std::string>> parse_subscriptions(std::string_view text);
// Version 2 text for names in the form parse_subscriptions returns.
std::string serialize_subscriptions(const std::vector<std::string>& names);

}  // namespace mailroom::store::maildir
