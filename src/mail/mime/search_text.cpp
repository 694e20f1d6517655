// Decoding for SEARCH (see search_text.hpp).
#include "mail/mime/search_text.hpp"

#include <gmime/gmime.h>

#include <vector>

#include "mail/mime/binary.hpp"
#include "mail/mime/detail/gmime_init.hpp"
#include "mail/mime/detail/header_fields.hpp"
#include "mail/mime/detail/utf8.hpp"

namespace mailroom::mime {

namespace {

std::string charset_of(const body_part& p) {
    for (const auto& prm : p.params)
        if (detail::ascii_iequals(prm.name, "charset")) return prm.value;
    return "us-ascii";
}

// Converts `in` from `charset` to UTF-8 with GMime's iconv (charset aliases
// such as "latin1" or "x-unknown" resolved by GMime); invalid UTF-8 repaired.
std::string to_utf8(std::string_view in, const std::string& charset) {
    const char* canon = g_mime_charset_canon_name(charset.c_str());
    if (canon == nullptr || g_ascii_strcasecmp(canon, "utf-8") == 0 || g_ascii_strcasecmp(canon, "us-ascii") == 0)
        return detail::valid_utf8(in);
    iconv_t cd = g_mime_iconv_open("UTF-8", canon);
    if (cd == reinterpret_cast<iconv_t>(-1)) return detail::valid_utf8(in);
    // NUL is no text (RFC 2045 §2.7) and would end the converted C string early.
    std::string text(in);
    if (g_ascii_strncasecmp(canon, "utf-16", 6) != 0 && g_ascii_strncasecmp(canon, "utf-32", 6) != 0)
        for (auto& c : text)
            if (c == '\0') c = ' ';
    char* converted = g_mime_iconv_strndup(cd, text.data(), text.size());
    g_mime_iconv_close(cd);
    if (converted == nullptr) return detail::valid_utf8(in);
    std::string out = converted;
    g_free(converted);
    return detail::valid_utf8(out);
}

// A whole token "=?charset?B?payload=?=" (RFC 2047 §2) with base64 padding.
bool padded_base64_word(std::string_view t) {
    if (t.size() < 8 || t.substr(0, 2) != "=?" || t.substr(t.size() - 2) != "?=") return false;
    const auto q1 = t.find('?', 2);
    if (q1 == std::string_view::npos || q1 + 3 >= t.size() || t[q1 + 2] != '?') return false;
    if (t[q1 + 1] != 'b' && t[q1 + 1] != 'B') return false;
    return t[t.size() - 3] == '=';
}

bool encoded_word(std::string_view t) {
    return t.size() >= 8 && t.substr(0, 2) == "=?" && t.substr(t.size() - 2) == "?=";
}

// GMime 3.2 joins the payloads of adjacent encoded words of one charset
// before decoding (so a character split across words survives), but its
// base64 decoder stops at the first word's "=" padding and the rest is lost.
// So the text is cut after each padded base64 word, each piece decoded on
// its own, and the blanks between two encoded words dropped (RFC 2047 §6.2).
std::vector<std::string> gmime_safe_pieces(const std::string& s) {
    std::vector<std::string> pieces(1);
    std::size_t pos = 0;
    bool cut_pending = false;
    while (pos < s.size()) {
        const auto ws_end = s.find_first_not_of(" \t", pos);
        const std::string_view blanks(s.data() + pos, (ws_end == std::string::npos ? s.size() : ws_end) - pos);
        if (ws_end == std::string::npos) {
            pieces.back().append(blanks);
            break;
        }
        auto tok_end = s.find_first_of(" \t", ws_end);
        if (tok_end == std::string::npos) tok_end = s.size();
        const std::string_view token(s.data() + ws_end, tok_end - ws_end);
        if (cut_pending) {
            pieces.emplace_back();
            if (!encoded_word(token)) pieces.back().append(blanks);
        } else {
            pieces.back().append(blanks);
        }
        pieces.back().append(token);
        cut_pending = padded_base64_word(token);
        pos = tok_end;
    }
    return pieces;
}

}  // namespace

std::vector<std::string> header_field_values(std::string_view header, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& f : detail::split_header(header))
        if (!f.name.empty() && detail::ascii_iequals(f.name, name)) out.push_back(detail::unfold(f.raw_value));
    return out;
}

std::string decode_header_text(std::string_view raw) {
    detail::ensure_gmime();
    std::string out;
    for (const auto& piece : gmime_safe_pieces(detail::unfold(raw))) {
        char* decoded = g_mime_utils_header_decode_text(nullptr, piece.c_str());
        if (decoded == nullptr) {
            out += piece;
            continue;
        }
        out += decoded;
        g_free(decoded);
    }
    return detail::valid_utf8(out);
}

std::string decode_text_body(std::string_view stored, const body_part& part) {
    if (!part.is_text()) return {};
    detail::ensure_gmime();
    auto content = decode_binary(stored, part);
    if (content.unknown_cte) return {};
    return to_utf8(content.bytes, charset_of(part));
}

std::optional<civil_date> sent_date(std::string_view raw) {
    detail::ensure_gmime();
    const auto unfolded = detail::unfold(raw);
    GDateTime* dt = g_mime_utils_header_decode_date(unfolded.c_str());
    if (dt == nullptr) return std::nullopt;
    civil_date d;
    int month = 0, day = 0;
    g_date_time_get_ymd(dt, &d.year, &month, &day);
    g_date_time_unref(dt);
    d.month = static_cast<unsigned>(month);
    d.day = static_cast<unsigned>(day);
    return d;
}

}  // namespace mailroom::mime
