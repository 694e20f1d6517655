// pop3::detail reply texts used by more than one part of server_session
// (server_session.cpp dispatches, authorization.cpp handles AUTH). Dovecot's
// wording where clients or people know it; never echoes client input.
#pragma once

#include <string_view>

namespace mailroom::pop3::detail {

inline constexpr std::string_view plaintext_refused =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

}  // namespace mailroom::pop3::detail
