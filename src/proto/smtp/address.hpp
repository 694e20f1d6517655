// smtp::address: parses the paths of MAIL FROM and RCPT TO (RFC 5321
// §4.1.2, with RFC 6531 UTF-8 when the client said SMTPUTF8). Strict: no
// source routes, no '%' or '!' relay hacks, length limits of §4.5.3.1.
// Pure functions; the session decides what an address means.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailroom::smtp {

struct mailbox {
    std::string local;        // as written (dot-string, or the quoted string's content unescaped)
    std::string domain;       // lower-cased domain, or an address literal "[...]" as written
    bool quoted = false;      // the local part was a quoted string
    std::string str() const;  // "local@domain", local re-quoted if needed
};

enum class address_error {
    syntax,            // not <...>, bad characters, empty parts
    source_route,      // "<@a,@b:user@c>" (RFC 5321 §4.1.2 A-d-l): refused
    relay_hack,        // '%' or '!' in the local part (old relay tricks)
    too_long,          // local > 64, domain > 255 or path > 256 octets
    utf8_not_allowed,  // non-ASCII without SMTPUTF8 (RFC 6531 §3.4)
};

struct path_result {
    std::optional<mailbox> box;          // empty for the null path "<>"
    std::optional<address_error> error;  // set when the path is unusable
    std::string_view rest;               // what follows the closing '>' (parameters)
};

// text starts at '<'. allow_null: "<>" is a valid reverse-path (MAIL FROM).
// utf8: the transaction uses SMTPUTF8.
path_result parse_path(std::string_view text, bool allow_null, bool utf8);

// RFC 5321 §4.1.2 Domain (LDH labels, or a U-label when utf8) or
// address-literal "[1.2.3.4]" / "[IPv6:...]".
bool valid_domain(std::string_view domain, bool utf8);

}  // namespace mailroom::smtp
