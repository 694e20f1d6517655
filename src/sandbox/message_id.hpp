// sandbox message ids: "<mailbox>:<uid>" ("bob@example.org:3"), the {id} of
// the dev API's message routes, and the mailbox names the API accepts (they
// become paths under mail_root). Parses a path segment from the network:
// plain C++, fuzzed by fuzz/dev_api_id_fuzz.cpp. Used by dev_mail and the routes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::sandbox {

struct message_ref {
    std::string mailbox;  // "bob@example.org"
    std::uint32_t uid = 0;
    std::string id() const { return mailbox + ":" + std::to_string(uid); }
};

// "bob@example.org:3" -> its parts; nullopt for anything else (a mailbox
// name dev_mail would refuse, a UID that is not 1..2^32-1).
std::optional<message_ref> parse_message_id(std::string_view id);

// A mailbox name usable as a path: one '@', local and domain non-empty,
// no '/', NUL or control byte, not "." or "..", at most 320 bytes.
bool valid_mailbox_name(std::string_view name);

}  // namespace mailroom::sandbox
