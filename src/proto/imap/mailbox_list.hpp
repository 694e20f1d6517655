// imap::mailbox_list: which mailboxes a LIST or LSUB names and with which
// attributes (RFC 9051 §6.3.9, RFC 3501 §6.3.9 LSUB, RFC 5258 LIST-EXTENDED
// selection and CHILDINFO, RFC 6154 SPECIAL-USE), from the store's folders
// and subscriptions in UTF-8. Pure: no I/O, no wire encoding (the session
// writes the lines, cmd_list.cpp). The hierarchy delimiter is '.'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::imap {

// What the store says of a user's folders (the answer to list_folders).
struct folder_list {
    std::vector<std::string> folders;      // UTF-8, "INBOX" first, '.' hierarchy
    std::vector<std::string> special_use;  // RFC 6154 attribute of each folder ("" none); may be empty
    std::vector<std::string> subscribed;   // UTF-8, when asked; existing or not (RFC 9051 §6.3.7)
};

// RFC 9051 §6.3.9: "*" matches anything, "%" anything but the delimiter;
// every other octet itself. O(pattern x name) whatever the wildcards.
bool list_matches(std::string_view pattern, std::string_view name);

// The reference prepended to a pattern (RFC 9051 §6.3.9), "INBOX" at its
// start in any case made "INBOX" (RFC 9051 §5.1: INBOX is case-insensitive).
std::string full_pattern(std::string_view reference, std::string_view pattern);

struct list_selection {
    std::vector<std::string> patterns;  // full_pattern()s, UTF-8
    bool lsub = false;                  // RFC 3501 §6.3.9 LSUB
    bool subscribed = false;            // RFC 5258 §3.1 SUBSCRIBED (selection)
    bool recursive = false;             // RECURSIVEMATCH
    bool special_use = false;           // RFC 6154 §5.3 SPECIAL-USE (selection)
    bool return_subscribed = false;     // \Subscribed (implied by the selection)
    // RFC 5258 §3.4 \NonExistent for a name that is no mailbox; RFC 3501
    // clients (plain LIST, LSUB) get \Noselect instead.
    bool nonexistent = false;
};

struct list_entry {
    std::string name;                   // UTF-8
    std::string attributes;             // "\HasNoChildren \Sent", space-separated
    bool selectable = false;            // an existing mailbox (RETURN (STATUS) applies)
    bool childinfo_subscribed = false;  // RFC 5258 §3.5 ("CHILDINFO" ("SUBSCRIBED"))
};

// The entries in the store's order (INBOX first, then sorted), each once
// whatever the number of patterns that match it. A name that is only the
// parent of selected ones is listed where a pattern matches it but not all
// of those below it (RFC 3501 §6.3.9 "%" and LSUB's \Noselect parent;
// RFC 5258 §3.5 with RECURSIVEMATCH, where CHILDINFO says why).
std::vector<list_entry> list_mailboxes(const folder_list& store, const list_selection& sel);

}  // namespace mailroom::imap
