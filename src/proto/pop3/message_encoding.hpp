// pop3::message_encoding: a stored message as a POP3 multi-line response
// body (RFC 1939 §3): every line end CRLF, lines starting with "." get one
// more, ended by ".\r\n". Byte-exact otherwise (8-bit content untouched).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::pop3 {

// raw: the stored message with LF or CRLF line ends. body_lines: for TOP
// (RFC 1939 §7), the header, the blank line and at most this many body
// lines; nullopt for the whole message (RETR). Appends to out.
void append_multiline_message(std::string& out, std::string_view raw, std::optional<std::uint64_t> body_lines);

}  // namespace mailroom::pop3
