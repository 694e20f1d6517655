// Builds the MAIL FROM and RCPT TO lines of the SMTP client with the ESMTP
// parameters the server offered (RFC 1870 SIZE, 6152 BODY, 6531 SMTPUTF8,
// 3461 DSN), and the dot-stuffed DATA body. Pure functions used by the
// client session; they assume the session already checked the message fits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/smtp/client/ehlo_capabilities.hpp"
#include "proto/smtp/client/outgoing_message.hpp"

namespace mailroom::smtp::client {

// RFC 3461 §4: xchar is "!".."~" except "+" and "="; all else is "+XX".
std::string encode_xtext(std::string_view s);

// True when an address must never go on a command line (CR, LF, NUL, or
// other controls would let a hostile envelope inject SMTP commands).
bool unsafe_address(std::string_view address);
bool needs_smtputf8(const outgoing_message& m);  // the flag, or a non-ASCII address

// "MAIL FROM:<a> [params]\r\n"
std::string mail_command(const outgoing_message& m, const ehlo_capabilities& caps);
// "RCPT TO:<a> [params]\r\n"
std::string rcpt_command(const outgoing_recipient& r, const ehlo_capabilities& caps);

// The DATA body: every bare CR or LF becomes CRLF (no "\n.\r\n" can reach a
// lenient server: SMTP smuggling), lines starting with "." get another
// (RFC 5321 §4.5.2), and the body ends with CRLF "." CRLF.
std::string dot_stuff(std::string_view content);

// The same for content that arrives in pieces split anywhere (a CRLF or a
// line's leading dot across two pieces): add() each piece, then finish().
class dot_stuffer {
public:
    void add(std::string_view piece, std::string& out);  // appends to out
    void finish(std::string& out);                       // the last line's CRLF if missing, then "." CRLF

private:
    bool line_start_ = true;
    bool after_cr_ = false;  // the last byte was CR: an LF next is part of it
};

}  // namespace mailroom::smtp::client
