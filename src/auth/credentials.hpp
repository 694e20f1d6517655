// credentials: what the user directory stores to check a login, and never
// the password itself (except the opt-in legacy secret, see README
// "Legacy mechanisms"). Plain data; auth/ computes it, storage/ keeps it.
#pragma once

#include <optional>
#include <string>

#include "common/secret.hpp"

namespace mailroom::auth {

// RFC 5802 server-side SCRAM secrets in GNU SASL's encodings.
struct scram_keys {
    unsigned iterations = 0;
    std::string salt_b64;        // base64 salt
    std::string stored_key_hex;  // hex StoredKey
    std::string server_key_hex;  // hex ServerKey
    bool empty() const noexcept { return iterations == 0; }
};

struct credentials {
    std::string password_hash;  // crypt(3) string, yescrypt ("$y$...")
    scram_keys scram_sha1;
    scram_keys scram_sha256;
    // Plaintext-equivalent secret, only for users added with --legacy-auth:
    // APOP (RFC 1939 §7) and CRAM-MD5 need it. Absent: those fail.
    std::optional<secret> legacy_secret;
};

}  // namespace mailroom::auth
