// RFC 5322 §3.4 address lists (From, To, Cc, ...) parsed into IMAP ENVELOPE
// addresses with the raw text kept: GMime's parser decodes display names,
// and RFC 9051 §7.5.2 wants them as written. Tolerant like Dovecot's
// message-address.c: a missing local part or domain is reported as
// MISSING_MAILBOX / MISSING_DOMAIN, junk up to the next comma is skipped.
// Called by envelope.cpp.
#pragma once

#include <string_view>
#include <vector>

#include "mail/mime/structure.hpp"

namespace mailroom::mime::detail {

// `value` is the unfolded field value. An empty or blank value gives none.
std::vector<address> parse_address_list(std::string_view value);

}  // namespace mailroom::mime::detail
