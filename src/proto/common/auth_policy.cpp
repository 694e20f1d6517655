#include "proto/common/auth_policy.hpp"

#include <algorithm>

namespace mailroom::proto {

bool plaintext_allowed(bool tls_active, bool plaintext_auth) noexcept { return tls_active || plaintext_auth; }

bool is_plaintext_mechanism(std::string_view mechanism) noexcept {
    return mechanism == "PLAIN" || mechanism == "LOGIN";
}

std::vector<std::string> offered_mechanisms(const std::vector<std::string>& configured, bool plaintext_ok) {
    std::vector<std::string> out;
    for (const auto& m : configured)
        if (plaintext_ok || !is_plaintext_mechanism(m)) out.push_back(m);
    return out;
}

bool is_configured(const std::vector<std::string>& configured, std::string_view mechanism) {
    return std::find(configured.begin(), configured.end(), mechanism) != configured.end();
}

}  // namespace mailroom::proto
