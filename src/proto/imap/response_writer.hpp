// imap::response_writer: builds server responses into a byte string
// (RFC 9051 §7, §9): tagged, untagged and continuation lines, response
// codes "[...]", lists, numbers, NIL, and strings written as atom, quoted
// or literal as their bytes require (CR, LF, NUL and 8-bit force a literal;
// NUL in BINARY data forces literal8, RFC 3516 §4.3), with exact octet
// counts. Used by the session engine and by the ENVELOPE/BODYSTRUCTURE
// renderers; the free functions serve callers with their own buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::imap {

struct string_style {
    // RFC 6855 §3: after ENABLE UTF8=ACCEPT quoted strings may carry UTF-8;
    // otherwise 8-bit bytes force a literal.
    bool utf8_quoted = false;
};

// A string (RFC 9051 §9 "string"): quoted when every byte is allowed there,
// a literal otherwise (the empty string is "").
void append_string(std::string& out, std::string_view s, string_style style = {});
// nstring: NIL when absent.
void append_nstring(std::string& out, std::optional<std::string_view> s, string_style style = {});
// astring: a bare atom when every byte is an ASTRING-CHAR (and not "NIL"),
// else as append_string.
void append_astring(std::string& out, std::string_view s, string_style style = {});
// A literal {n}CRLF + bytes; binary: literal8 ~{n} (RFC 3516 §4.3).
void append_literal(std::string& out, std::string_view s, bool binary = false);
// BINARY[...] data (RFC 3516 §4.3): literal8 when it holds NUL, else as
// append_string would write it (nstring: NIL when absent is the caller's).
void append_binary(std::string& out, std::string_view s);

class response_writer {
public:
    explicit response_writer(std::string& out, string_style style = {}) : out_(out), style_(style) {}

    // Line starts; each ends with end_line().
    response_writer& untagged();                    // "* "
    response_writer& tagged(std::string_view tag);  // "tag "
    response_writer& continuation();                // "+ "

    // Elements, separated by one SP except after "(" "[" and a line start.
    response_writer& atom(std::string_view a);  // written as is: the caller knows it is an atom
    response_writer& number(std::uint64_t n);
    response_writer& nil();
    response_writer& string(std::string_view s);
    response_writer& nstring(std::optional<std::string_view> s);
    response_writer& astring(std::string_view s);
    response_writer& literal(std::string_view s, bool binary = false);
    response_writer& binary(std::string_view s);
    response_writer& open_list();   // "("
    response_writer& close_list();  // ")"
    response_writer& open_code();   // "[" response code (RFC 9051 §7.1)
    response_writer& close_code();  // "]"
    // Glues the next element to the previous one (no SP): "BODY[1]" + "<0>".
    response_writer& glue();
    // resp-text: the rest of the line; CR, LF, NUL and other controls are
    // replaced by SP, so peer-derived text cannot split the line.
    response_writer& text(std::string_view t);
    void end_line();  // CRLF; the next call starts a new line

    // Whole lines: "tag OK [code] text", "* BYE text", "+ text".
    void status(std::string_view tag, std::string_view condition, std::string_view code, std::string_view text);
    void untagged_status(std::string_view condition, std::string_view code, std::string_view text);
    void continue_request(std::string_view text);

private:
    void separate();

    std::string& out_;
    string_style style_;
    bool need_space_ = false;
};

}  // namespace mailroom::imap
