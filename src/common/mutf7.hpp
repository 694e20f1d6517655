// mutf7: IMAP's modified UTF-7 (RFC 3501 §5.1.3, kept by RFC 9051 for
// IMAP4rev1 clients) to and from UTF-8. The store's API takes folder names
// in UTF-8; Maildir++ directory names and the subscriptions file hold them in
// modified UTF-7, as Dovecot writes them; the IMAP engine (proto/imap) uses
// it for rev1 clients' names. Pure functions, no allocation beyond the result.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailroom {

// nullopt if utf8 is not well-formed UTF-8 (overlong forms, surrogates and
// code points above U+10FFFF are not).
std::optional<std::string> utf8_to_mutf7(std::string_view utf8);

// Strict, as Dovecot is: nullopt unless mutf7 is exactly what
// utf8_to_mutf7 would write for its decoding - no 8-bit octets, '&' only
// as "&-" or to start a shifted run ended by '-', no printable ASCII or
// padding inside a run, no two runs side by side, no unpaired surrogate,
// zero leftover bits. So utf8_to_mutf7(*mutf7_to_utf8(x)) == x.
std::optional<std::string> mutf7_to_utf8(std::string_view mutf7);

}  // namespace mailroom
