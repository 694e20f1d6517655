// imap::response_writer and the string writers (response_writer.hpp).
#include "proto/imap/response_writer.hpp"

#include <charconv>

#include "proto/common/keyword.hpp"

namespace mailroom::imap {
namespace {

void append_decimal(std::string& out, std::uint64_t n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

enum class string_form { quoted, literal, literal8 };

// Well-formed UTF-8 (RFC 3629 §4): no overlong forms, no surrogates,
// nothing above U+10FFFF. utf8-quoted allows only that (RFC 6855 §3).
bool is_utf8(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80) n = 0;
        else if (c >= 0xc2 && c <= 0xdf) n = 1;
        else if (c == 0xe0) n = 2, lo = 0xa0;
        else if (c == 0xed) n = 2, hi = 0x9f;
        else if (c >= 0xe1 && c <= 0xef) n = 2;
        else if (c == 0xf0) n = 3, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3) n = 3;
        else if (c == 0xf4) n = 3, hi = 0x8f;
        else return false;
        if (n > 0 && i + n >= s.size()) return false;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return false;
        }
        i += n + 1;
    }
    return true;
}

// RFC 9051 §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE, QUOTED-CHAR is any
// TEXT-CHAR (no CR, LF, NUL) with " and \ escaped; 8-bit only as
// utf8-quoted (RFC 6855 §3). Long strings go as literals too: a literal is
// what clients expect for bodies and is cheaper to scan.
string_form form_of(std::string_view s, string_style style) noexcept {
    if (s.size() > 1024) return s.find('\0') != std::string_view::npos ? string_form::literal8 : string_form::literal;
    string_form f = string_form::quoted;
    bool eight_bit = false;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) return string_form::literal8;
        if (c == '\r' || c == '\n') f = string_form::literal;
        eight_bit = eight_bit || c >= 0x80;
    }
    if (eight_bit && (!style.utf8_quoted || !is_utf8(s))) f = string_form::literal;
    return f;
}

// ASTRING-CHAR: ATOM-CHAR / "]" (RFC 9051 §9).
bool is_astring_char(unsigned char c) noexcept {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\': return false;
        default: return true;
    }
}

void append_quoted(std::string& out, std::string_view s) {
    out.push_back('"');
    for (const char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace

void append_literal(std::string& out, std::string_view s, bool binary) {
    if (binary) out.push_back('~');
    out.push_back('{');
    append_decimal(out, s.size());
    out.append("}\r\n");
    out.append(s);
}

void append_string(std::string& out, std::string_view s, string_style style) {
    switch (form_of(s, style)) {
        case string_form::quoted: append_quoted(out, s); break;
        // A string cannot carry NUL (RFC 9051 §4.3): only BINARY data may,
        // through append_binary. Here NUL would break the grammar.
        case string_form::literal8:
        case string_form::literal: append_literal(out, s, false); break;
    }
}

void append_nstring(std::string& out, std::optional<std::string_view> s, string_style style) {
    if (!s) out.append("NIL");
    else append_string(out, *s, style);
}

void append_astring(std::string& out, std::string_view s, string_style style) {
    bool atom = !s.empty() && !proto::keyword_equals(s, "NIL");
    for (const char c : s)
        if (!is_astring_char(static_cast<unsigned char>(c))) atom = false;
    if (atom) out.append(s);
    else append_string(out, s, style);
}

void append_binary(std::string& out, std::string_view s) {
    if (form_of(s, {}) == string_form::literal8) append_literal(out, s, true);
    else append_string(out, s);
}

void response_writer::separate() {
    if (need_space_) out_.push_back(' ');
    need_space_ = true;
}

response_writer& response_writer::untagged() {
    out_.append("* ");
    need_space_ = false;
    return *this;
}

response_writer& response_writer::tagged(std::string_view tag) {
    out_.append(tag);
    out_.push_back(' ');
    need_space_ = false;
    return *this;
}

response_writer& response_writer::continuation() {
    out_.append("+ ");
    need_space_ = false;
    return *this;
}

response_writer& response_writer::atom(std::string_view a) {
    separate();
    out_.append(a);
    return *this;
}

response_writer& response_writer::number(std::uint64_t n) {
    separate();
    append_decimal(out_, n);
    return *this;
}

response_writer& response_writer::nil() { return atom("NIL"); }

response_writer& response_writer::string(std::string_view s) {
    separate();
    append_string(out_, s, style_);
    return *this;
}

response_writer& response_writer::nstring(std::optional<std::string_view> s) {
    separate();
    append_nstring(out_, s, style_);
    return *this;
}

response_writer& response_writer::astring(std::string_view s) {
    separate();
    append_astring(out_, s, style_);
    return *this;
}

response_writer& response_writer::literal(std::string_view s, bool binary) {
    separate();
    append_literal(out_, s, binary);
    return *this;
}

response_writer& response_writer::binary(std::string_view s) {
    separate();
    append_binary(out_, s);
    return *this;
}

response_writer& response_writer::open_list() {
    separate();
    out_.push_back('(');
    need_space_ = false;
    return *this;
}

response_writer& response_writer::close_list() {
    out_.push_back(')');
    need_space_ = true;
    return *this;
}

response_writer& response_writer::open_code() {
    separate();
    out_.push_back('[');
    need_space_ = false;
    return *this;
}

response_writer& response_writer::close_code() {
    out_.push_back(']');
    need_space_ = true;
    return *this;
}

response_writer& response_writer::glue() {
    need_space_ = false;
    return *this;
}

response_writer& response_writer::text(std::string_view t) {
    separate();
    for (const char ch : t) {
        const auto c = static_cast<unsigned char>(ch);
        out_.push_back(c < 0x20 || c == 0x7f ? ' ' : ch);
    }
    return *this;
}

void response_writer::end_line() {
    out_.append("\r\n");
    need_space_ = false;
}

void response_writer::status(std::string_view tag, std::string_view condition, std::string_view code,
                             std::string_view text_) {
    tagged(tag).atom(condition);
    if (!code.empty()) open_code().atom(code).close_code();
    text(text_.empty() ? std::string_view(condition) : text_);
    end_line();
}

void response_writer::untagged_status(std::string_view condition, std::string_view code, std::string_view text_) {
    untagged().atom(condition);
    if (!code.empty()) open_code().atom(code).close_code();
    text(text_.empty() ? std::string_view(condition) : text_);
    end_line();
}

void response_writer::continue_request(std::string_view text_) {
    continuation();
    need_space_ = false;
    // RFC 9051 §7.7: "+" SP (resp-text / base64); the text is never empty.
    text(text_.empty() ? std::string_view("Ready") : text_);
    end_line();
}

}  // namespace mailroom::imap
