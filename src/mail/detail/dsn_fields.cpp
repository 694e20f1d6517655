#include "mail/detail/dsn_fields.hpp"

#include <algorithm>

namespace mailroom::mail::detail {
namespace {

constexpr std::size_t max_line = 998;  // RFC 5322 §2.1.1, without CRLF
constexpr std::size_t soft_line = 78;

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629 §4:
// no overlongs, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // bounds for the second byte
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else return 0;
    if (i + n > s.size()) return 0;
    if (b(1) < lo || b(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(k) < 0x80 || b(k) > 0xbf) return 0;
    return n;
}

bool is_digits(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string one_line(std::string_view s, std::size_t max_bytes, bool allow_utf8) {
    std::string out;
    out.reserve(std::min(s.size(), max_bytes));
    bool pending_space = false;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 1;
        std::string_view piece;
        if (c < 0x20 || c == 0x7f || c == ' ') {
            pending_space = !out.empty();
            ++i;
            continue;
        }
        if (c < 0x80) {
            piece = s.substr(i, 1);
        } else if (allow_utf8 && (n = utf8_length(s, i)) > 0) {
            piece = s.substr(i, n);
        } else {
            n = 1;
            piece = "?";
        }
        if (out.size() + (pending_space ? 1 : 0) + piece.size() > max_bytes) break;
        if (pending_space) out += ' ';
        out += piece;
        pending_space = false;
        i += n;
    }
    return out;
}

namespace {

// `first` then the words of text, starting a new line (with `indent`) before
// a word that would pass `width`; words over max_line are cut. When `first`
// is not empty the first word follows it after a space on the same line.
std::string wrap_words(std::string_view first, std::string_view text, std::size_t width, std::string_view indent) {
    std::string out(first);
    std::size_t line_len = out.size();
    bool line_has_word = !first.empty();
    bool sticky = !first.empty();  // never fold between "Name:" and the first word
    while (!text.empty()) {
        const auto sp = text.find(' ');
        auto word = text.substr(0, sp);
        text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
        if (word.empty()) continue;
        while (!word.empty()) {
            const std::size_t sep = line_has_word ? 1 : 0;
            if (line_has_word && !sticky && line_len + sep + word.size() > width) {
                out += "\r\n";
                out += indent;
                line_len = indent.size();
                line_has_word = false;
                continue;
            }
            const std::size_t room = max_line - line_len - sep;
            const auto take = word.substr(0, room);
            if (sep) out += ' ';
            out += take;
            line_len += sep + take.size();
            line_has_word = true;
            sticky = false;
            word.remove_prefix(take.size());
            if (!word.empty()) {  // only for a word over max_line: split it
                out += "\r\n";
                out += indent;
                line_len = indent.size();
                line_has_word = false;
            }
        }
    }
    out += "\r\n";
    return out;
}

}  // namespace

std::string fold_field(std::string_view name, std::string_view value) {
    // The first word goes on the name's line however long it is (a fold right
    // after "Name:" would leave an empty first line).
    return wrap_words(std::string(name) + ":", value, soft_line, "\t");
}

std::string wrap_text(std::string_view text, std::size_t width) {
    return wrap_words("", text, std::min(width, max_line), "");
}

bool is_status_code(std::string_view s) {
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
    const auto rest = s.substr(2);
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    return is_digits(rest.substr(0, dot), 3) && is_digits(rest.substr(dot + 1), 3);
}

bool is_smtp_reply(std::string_view text) {
    if (text.size() < 3 || text[0] < '2' || text[0] > '5') return false;
    if (text[1] < '0' || text[1] > '9' || text[2] < '0' || text[2] > '9') return false;
    return text.size() == 3 || text[3] == ' ' || text[3] == '-';
}

std::string status_in_reply(std::string_view reply) {
    if (!is_smtp_reply(reply) || reply.size() < 5) return "";
    auto rest = reply.substr(4);
    const auto end = rest.find_first_of(" \r\n");
    const auto code = rest.substr(0, end);
    // RFC 3463 §3: the class of the enhanced code matches the reply's.
    if (!is_status_code(code) || code[0] != reply[0]) return "";
    return std::string(code);
}

std::string typed_address(std::string_view address) {
    const bool ascii = std::all_of(address.begin(), address.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    return (ascii ? "rfc822; " : "utf-8; ") + std::string(address);
}

}  // namespace mailroom::mail::detail
