// auth::password: making and checking stored credentials. Hashes with
// libxcrypt (yescrypt), SCRAM secrets with GNU SASL, APOP digests with
// OpenSSL MD5. Slow by design (yescrypt): callers run it off the event loop.
#pragma once

#include <string>
#include <string_view>

#include "auth/credentials.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"

namespace mailroom::auth {

// Everything the user directory stores for a new password. With legacy,
// also keeps the plaintext-equivalent secret for APOP and CRAM-MD5.
result<credentials> make_credentials(const secret& password, bool legacy);

// Constant-time check of a password against a crypt(3) hash.
bool verify_password(const secret& password, std::string_view crypt_hash);

// RFC 1939 §7: digest = hex MD5(timestamp + secret). False without a legacy secret.
bool verify_apop(const credentials& c, std::string_view timestamp, std::string_view digest_hex);

// RFC 1939 §7: the APOP digest a client sends, hex MD5(timestamp + password),
// lower case. Empty only if OpenSSL's MD5 is unavailable.
secret apop_digest(std::string_view timestamp, const secret& password);

}  // namespace mailroom::auth
