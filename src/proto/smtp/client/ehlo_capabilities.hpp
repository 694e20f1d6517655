// smtp::client::ehlo_capabilities: what a server's EHLO reply offers
// (RFC 5321 §4.1.1.1: one keyword and its parameters per line after the
// first). Keywords are case-insensitive; unknown ones are ignored, as are
// malformed parameters (the extension then counts as offered without them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/smtp/client/reply_reader.hpp"

namespace mailroom::smtp::client {

struct ehlo_capabilities {
    bool pipelining = false;             // RFC 2920
    bool size = false;                   // RFC 1870
    std::uint64_t size_limit = 0;        // 0: SIZE without a (usable) limit
    bool eight_bit_mime = false;         // RFC 6152
    bool smtputf8 = false;               // RFC 6531
    bool starttls = false;               // RFC 3207
    bool dsn = false;                    // RFC 3461
    bool chunking = false;               // RFC 3030
    bool enhanced_status_codes = false;  // RFC 2034
    std::vector<std::string> auth;       // RFC 4954 mechanisms, upper case; also the old "AUTH=" form

    bool offers_auth(std::string_view mechanism) const;
};

// reply: a positive reply to EHLO. The first line is the server's name.
ehlo_capabilities parse_ehlo(const reply& r);

}  // namespace mailroom::smtp::client
