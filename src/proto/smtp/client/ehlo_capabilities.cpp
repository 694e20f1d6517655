#include "proto/smtp/client/ehlo_capabilities.hpp"

#include <algorithm>
#include <string_view>

#include "common/ascii.hpp"

namespace mailroom::smtp::client {
namespace {

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const auto start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

// RFC 1870 §4: "SIZE" [SP number]; 20 digits would overflow, take it as no limit.
std::uint64_t parse_size(std::string_view s) {
    if (s.empty() || s.size() > 19) return 0;
    std::uint64_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

void add_mechanisms(std::vector<std::string>& to, const std::vector<std::string_view>& ws, std::size_t from) {
    for (std::size_t i = from; i < ws.size(); ++i) {
        auto m = ascii_upper(ws[i]);
        if (std::find(to.begin(), to.end(), m) == to.end()) to.push_back(std::move(m));
    }
}

}  // namespace

bool ehlo_capabilities::offers_auth(std::string_view mechanism) const {
    return std::find(auth.begin(), auth.end(), mechanism) != auth.end();
}

ehlo_capabilities parse_ehlo(const reply& r) {
    ehlo_capabilities caps;
    for (std::size_t i = 1; i < r.lines.size(); ++i) {
        auto ws = words(r.lines[i]);
        if (ws.empty()) continue;
        const auto keyword = ascii_upper(ws[0]);
        if (keyword == "PIPELINING") caps.pipelining = true;
        else if (keyword == "SIZE") {
            caps.size = true;
            caps.size_limit = ws.size() > 1 ? parse_size(ws[1]) : 0;
        } else if (keyword == "8BITMIME") caps.eight_bit_mime = true;
        else if (keyword == "SMTPUTF8") caps.smtputf8 = true;
        else if (keyword == "STARTTLS") caps.starttls = true;
        else if (keyword == "DSN") caps.dsn = true;
        else if (keyword == "CHUNKING") caps.chunking = true;
        else if (keyword == "ENHANCEDSTATUSCODES") caps.enhanced_status_codes = true;
        else if (keyword == "AUTH") add_mechanisms(caps.auth, ws, 1);
        else if (keyword.starts_with("AUTH=")) {
            // Pre-standard form some servers still send ("AUTH=LOGIN PLAIN").
            auto first = std::string_view(ws[0]).substr(5);
            if (!first.empty()) add_mechanisms(caps.auth, {first}, 0);
            add_mechanisms(caps.auth, ws, 1);
        }
    }
    return caps;
}

}  // namespace mailroom::smtp::client
