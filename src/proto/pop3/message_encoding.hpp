// pop3::message_encoding: a stored message as a POP3 multi-line response
// body (RFC 1939 §3): every line end CRLF, lines starting with "." get one
// more, ended by ".\r\n". Byte-exact otherwise (8-bit content untouched).
// The encoder takes the message in ranges of any size (the session streams
// it from the store); append_multiline_message() is the one-piece form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailroom::pop3 {

class message_encoder {
public:
    // body_lines: for TOP (RFC 1939 §7), the header, the blank line and at
    // most this many body lines; nullopt for the whole message (RETR).
    explicit message_encoder(std::optional<std::uint64_t> body_lines = std::nullopt) : body_lines_(body_lines) {}

    // Appends the wire form of the next stored bytes (LF or CRLF line ends)
    // to out, in one pass with one resize. Ignores input once done().
    void append(std::string& out, std::string_view raw);
    // Ends the response: the last line's CRLF if it had none, then ".\r\n".
    void finish(std::string& out);
    // TOP has all the lines it wants: read no more of the message.
    bool done() const noexcept { return done_; }

private:
    void end_line() noexcept;

    std::optional<std::uint64_t> body_lines_;
    std::uint64_t body_sent_ = 0;
    bool at_line_start_ = true;
    bool line_empty_ = true;   // nothing but a possible CR since the line began
    bool pending_cr_ = false;  // a range ended on CR: line end or content, the next byte says
    bool in_body_ = false;
    bool done_ = false;
};

// raw: the whole stored message. Appends to out.
void append_multiline_message(std::string& out, std::string_view raw, std::optional<std::uint64_t> body_lines);

}  // namespace mailroom::pop3
