#include "common/mutf7.hpp"

#include <cstdint>
#include <vector>

namespace mailroom {
namespace {

// RFC 3501 §5.1.3: base64 with ',' instead of '/'.
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

bool printable(char32_t c) { return c >= 0x20 && c <= 0x7e; }

// The next code point of s at i (advanced); nullopt if not well-formed.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t len;
    char32_t cp, min;
    if ((b0 & 0xe0) == 0xc0) len = 2, cp = b0 & 0x1f, min = 0x80;
    else if ((b0 & 0xf0) == 0xe0) len = 3, cp = b0 & 0x0f, min = 0x800;
    else if ((b0 & 0xf8) == 0xf0) len = 4, cp = b0 & 0x07, min = 0x10000;
    else return std::nullopt;
    if (s.size() - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    i += len;
    return cp;
}

void put_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// "&<base64 of the UTF-16BE units>-".
void put_run(std::string& out, const std::vector<std::uint16_t>& units) {
    out += '&';
    std::uint32_t bits = 0;
    int nbits = 0;
    for (auto u : units)
        for (int shift : {8, 0}) {
            bits = (bits << 8) | ((u >> shift) & 0xff);
            nbits += 8;
            while (nbits >= 6) {
                nbits -= 6;
                out += alphabet[(bits >> nbits) & 0x3f];
            }
        }
    if (nbits > 0) out += alphabet[(bits << (6 - nbits)) & 0x3f];
    out += '-';
}

}  // namespace

std::optional<std::string> utf8_to_mutf7(std::string_view utf8) {
    std::string out;
    std::vector<std::uint16_t> run;
    for (std::size_t i = 0; i < utf8.size();) {
        auto cp = next_code_point(utf8, i);
        if (!cp) return std::nullopt;
        if (printable(*cp)) {
            if (!run.empty()) put_run(out, run), run.clear();
            out += static_cast<char>(*cp);
            if (*cp == '&') out += '-';
        } else if (*cp >= 0x10000) {
            const char32_t v = *cp - 0x10000;
            run.push_back(static_cast<std::uint16_t>(0xd800 | (v >> 10)));
            run.push_back(static_cast<std::uint16_t>(0xdc00 | (v & 0x3ff)));
        } else {
            run.push_back(static_cast<std::uint16_t>(*cp));
        }
    }
    if (!run.empty()) put_run(out, run);
    return out;
}

std::optional<std::string> mutf7_to_utf8(std::string_view s) {
    std::string out;
    bool after_run = false;  // a run just ended: another may not follow at once
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        if (!printable(static_cast<unsigned char>(c))) return std::nullopt;
        if (c != '&') {
            out += c;
            ++i;
            after_run = false;
            continue;
        }
        if (i + 1 < s.size() && s[i + 1] == '-') {
            out += '&';
            i += 2;
            after_run = false;
            continue;
        }
        if (after_run) return std::nullopt;
        std::uint32_t bits = 0;
        int nbits = 0;
        char16_t high = 0;  // a high surrogate waiting for its low half
        bool any = false;
        for (++i;; ++i) {
            if (i == s.size()) return std::nullopt;  // a run must end with '-'
            if (s[i] == '-') break;
            const int v = sextet(s[i]);
            if (v < 0) return std::nullopt;
            bits = (bits << 6) | static_cast<std::uint32_t>(v);
            nbits += 6;
            if (nbits < 16) continue;
            nbits -= 16;
            const auto unit = static_cast<char16_t>((bits >> nbits) & 0xffff);
            bits &= (1u << nbits) - 1;
            any = true;
            if (high) {
                if (unit < 0xdc00 || unit > 0xdfff) return std::nullopt;
                put_utf8(out, 0x10000 + ((static_cast<char32_t>(high - 0xd800) << 10) | (unit - 0xdc00)));
                high = 0;
            } else if (unit >= 0xd800 && unit <= 0xdbff) {
                high = unit;
            } else if ((unit >= 0xdc00 && unit <= 0xdfff) || printable(unit)) {
                return std::nullopt;  // a lone low surrogate, or ASCII that must stand for itself
            } else {
                put_utf8(out, unit);
            }
        }
        // Leftover bits are padding: fewer than 6 and all zero.
        if (!any || high || nbits >= 6 || bits != 0) return std::nullopt;
        ++i;
        after_run = true;
    }
    return out;
}

}  // namespace mailroom
