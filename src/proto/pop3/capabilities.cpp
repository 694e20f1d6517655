#include "proto/pop3/capabilities.hpp"

#include "proto/common/auth_policy.hpp"

namespace mailroom::pop3 {

bool plaintext_allowed(const listener_policy& p) { return proto::plaintext_allowed(p.tls_active, p.plaintext_auth); }

std::vector<std::string> offered_mechanisms(const listener_policy& p) {
    return proto::offered_mechanisms(p.sasl_mechanisms, plaintext_allowed(p));
}

bool stls_available(const listener_policy& p) { return p.stls_offered && !p.tls_active; }

std::vector<std::string> capability_lines(const listener_policy& p, state st) {
    std::vector<std::string> caps{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "UTF8"};
    if (plaintext_allowed(p)) caps.emplace_back("USER");
    if (auto mechs = offered_mechanisms(p); !mechs.empty()) {
        std::string line = "SASL";
        for (const auto& m : mechs) line += " " + m;
        caps.push_back(std::move(line));
    }
    if (st == state::authorization && stls_available(p)) caps.emplace_back("STLS");  // RFC 2595 §4
    caps.push_back("IMPLEMENTATION " + p.implementation);
    return caps;
}

}  // namespace mailroom::pop3
