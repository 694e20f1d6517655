#include "proto/smtp/address.hpp"

#include <arpa/inet.h>

namespace mailroom::smtp {
namespace {

constexpr std::size_t max_local = 64;    // RFC 5321 §4.5.3.1.1
constexpr std::size_t max_domain = 255;  // RFC 5321 §4.5.3.1.2
constexpr std::size_t max_path = 256;    // RFC 5321 §4.5.3.1.3, incl. the brackets

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool non_ascii(unsigned char c) { return c >= 0x80; }

// RFC 5322 atext (RFC 5321 §4.1.2 Atom), plus UTF-8 octets under RFC 6531.
bool is_atext(unsigned char c, bool utf8) {
    if (is_alpha(c) || is_digit(c)) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '/':
        case '=':
        case '?':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~': return true;
        default: return utf8 && non_ascii(c);
    }
}

// Well-formed UTF-8 (no overlongs, no surrogates), so a U-label or a
// local part cannot smuggle invalid sequences into headers and logs.
bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        std::uint32_t cp = n == 1 ? c : c & (0x7f >> n);
        for (std::size_t k = 1; k < n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

bool valid_dot_string(std::string_view s, bool utf8) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(c, utf8)) {
            return false;
        }
    }
    return !utf8 || valid_utf8(s);
}

bool valid_address_literal(std::string_view lit) {
    if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return false;
    std::string inner(lit.substr(1, lit.size() - 2));
    unsigned char buf[16];
    if (inner.rfind("IPv6:", 0) == 0) return ::inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
    return ::inet_pton(AF_INET, inner.c_str(), buf) == 1;
}

bool has_non_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (non_ascii(c)) return true;
    return false;
}

}  // namespace

bool valid_domain(std::string_view d, bool utf8) {
    if (d.empty() || d.size() > max_domain) return false;
    if (d.front() == '[') return valid_address_literal(d);
    if (utf8 && !valid_utf8(d)) return false;
    std::size_t start = 0;
    for (;;) {
        const auto dot = d.find('.', start);
        const auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63) return false;
        // sub-domain = Let-dig [Ldh-str] (RFC 5321 §4.1.2); U-labels under RFC 6531.
        if (label.front() == '-' || label.back() == '-') return false;
        for (unsigned char c : label)
            if (!is_alpha(c) && !is_digit(c) && c != '-' && !(utf8 && non_ascii(c))) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string mailbox::str() const {
    if (!quoted) return local + "@" + domain;
    std::string q = "\"";
    for (char c : local) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"@" + domain;
}

path_result parse_path(std::string_view text, bool allow_null, bool utf8) {
    path_result r;
    auto fail = [&](address_error e) {
        r.box.reset();
        r.error = e;
        return r;
    };
    if (text.empty() || text.front() != '<') return fail(address_error::syntax);

    // Find the closing '>' outside a quoted string.
    std::size_t i = 1;
    bool in_quotes = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '\\') ++i;
            else if (c == '"') in_quotes = false;
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == '>') {
            break;
        }
    }
    if (i >= text.size()) return fail(address_error::syntax);
    const std::string_view inner = text.substr(1, i - 1);
    r.rest = text.substr(i + 1);
    if (i + 1 > max_path) return fail(address_error::too_long);

    if (inner.empty()) {
        if (!allow_null) return fail(address_error::syntax);
        return r;  // the null reverse-path
    }
    if (inner.front() == '@') return fail(address_error::source_route);  // A-d-l ":" Mailbox

    mailbox box;
    std::size_t at;
    if (inner.front() == '"') {
        // Quoted-string = DQUOTE *QcontentSMTP DQUOTE (RFC 5321 §4.1.2)
        std::size_t k = 1;
        for (; k < inner.size() && inner[k] != '"'; ++k) {
            auto c = static_cast<unsigned char>(inner[k]);
            if (c == '\\') {
                if (++k >= inner.size()) return fail(address_error::syntax);
                c = static_cast<unsigned char>(inner[k]);
                if (c < 0x20 || c > 0x7e) return fail(address_error::syntax);  // quoted-pairSMTP
            } else if (c < 0x20 || c == 0x7f || (non_ascii(c) && !utf8)) {
                return fail(non_ascii(c) ? address_error::utf8_not_allowed : address_error::syntax);
            }
            box.local += static_cast<char>(c);
        }
        if (k >= inner.size() || k + 1 >= inner.size() || inner[k + 1] != '@') return fail(address_error::syntax);
        if (box.local.empty()) return fail(address_error::syntax);
        if (utf8 && !valid_utf8(box.local)) return fail(address_error::syntax);
        box.quoted = true;
        at = k + 1;
    } else {
        at = inner.rfind('@');
        if (at == std::string_view::npos || at == 0) return fail(address_error::syntax);
        const auto local = inner.substr(0, at);
        if (!utf8 && has_non_ascii(local)) return fail(address_error::utf8_not_allowed);
        if (!valid_dot_string(local, utf8)) return fail(address_error::syntax);
        box.local = std::string(local);
    }
    if (box.local.find_first_of("%!") != std::string::npos) return fail(address_error::relay_hack);
    if (box.local.size() > max_local) return fail(address_error::too_long);

    const auto domain = inner.substr(at + 1);
    if (!utf8 && has_non_ascii(domain)) return fail(address_error::utf8_not_allowed);
    if (domain.size() > max_domain) return fail(address_error::too_long);
    if (!valid_domain(domain, utf8)) return fail(address_error::syntax);
    box.domain = std::string(domain);
    if (box.domain.front() != '[')
        for (auto& c : box.domain)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    r.box = std::move(box);
    return r;
}

}  // namespace mailroom::smtp
