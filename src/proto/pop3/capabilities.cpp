#include "proto/pop3/capabilities.hpp"

namespace mailroom::pop3 {

bool plaintext_allowed(const listener_policy& p) { return p.tls_active || p.plaintext_auth; }

bool is_plaintext_mechanism(std::string_view mechanism) {
    return mechanism == "PLAIN" || mechanism == "LOGIN";
}

std::vector<std::string> offered_mechanisms(const listener_policy& p) {
    std::vector<std::string> out;
    for (const auto& m : p.sasl_mechanisms)
        if (plaintext_allowed(p) || !is_plaintext_mechanism(m)) out.push_back(m);
    return out;
}

bool stls_available(const listener_policy& p) { return p.stls_offered && !p.tls_active; }

std::vector<std::string> capability_lines(const listener_policy& p) {
    std::vector<std::string> caps{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "UTF8"};
    if (plaintext_allowed(p)) caps.emplace_back("USER");
    if (auto mechs = offered_mechanisms(p); !mechs.empty()) {
        std::string line = "SASL";
        for (const auto& m : mechs) line += " " + m;
        caps.push_back(std::move(line));
    }
    if (stls_available(p)) caps.emplace_back("STLS");
    caps.push_back("IMPLEMENTATION " + p.implementation);
    return caps;
}

}  // namespace mailroom::pop3
