// proto::auth_policy: which login methods a listener allows right now, one
// rule for every engine - mechanisms that carry the password itself (POP3
// USER/PASS, SASL PLAIN and LOGIN) only over TLS or where the listener says
// plaintext_auth = true (DESIGN.md). Used by the engines' command handlers
// and capability lists (CAPA, EHLO), so both say the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailroom::proto {

bool plaintext_allowed(bool tls_active, bool plaintext_auth) noexcept;

// PLAIN and LOGIN (upper case, as configured).
bool is_plaintext_mechanism(std::string_view mechanism) noexcept;

// The configured mechanisms usable now, in configured order.
std::vector<std::string> offered_mechanisms(const std::vector<std::string>& configured, bool plaintext_ok);

bool is_configured(const std::vector<std::string>& configured, std::string_view mechanism);

}  // namespace mailroom::proto
