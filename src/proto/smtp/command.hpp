// smtp::command: parses one SMTP command line from an untrusted client
// (RFC 5321 §4.1.1) and the ESMTP parameters of MAIL and RCPT (RFC 1870
// SIZE, 6152 8BITMIME, 3030 BINARYMIME, 6531 SMTPUTF8, 3461 DSN, 4954
// AUTH=). Pure functions; the session decides what a command means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/smtp/address.hpp"

namespace mailroom::smtp {

enum class verb { helo, ehlo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth, unknown };

struct command {
    verb what = verb::unknown;
    std::string_view argument;  // after the verb and its single space (MAIL/RCPT: after "FROM:"/"TO:")
};

// line without CRLF. Verbs are case-insensitive; an unknown verb is
// verb::unknown. MAIL and RCPT must be "MAIL FROM:" / "RCPT TO:" (a space
// before the path is tolerated, as Postfix does); otherwise nullopt.
std::optional<command> parse_command(std::string_view line);

enum class body_type { seven_bit, eight_bit_mime, binary_mime };
enum class dsn_ret { unspecified, full, headers };

struct mail_params {
    std::optional<std::uint64_t> size;
    body_type body = body_type::seven_bit;
    bool smtputf8 = false;
    dsn_ret ret = dsn_ret::unspecified;
    std::string envid;  // xtext-decoded (RFC 3461 §4)
    std::string auth;   // AUTH=<mailbox> or "<>", decoded
};

struct rcpt_params {
    unsigned notify = 0;  // bits: 1 success, 2 failure, 4 delay; 8 never; 0 = not given
    std::string orcpt;    // "rfc822;addr", decoded
};

// What went wrong, as the reply the session sends (RFC 3463 codes).
struct param_error {
    int code;              // 501, 504 or 555
    std::string enhanced;  // "5.5.4"
    std::string text;
};

struct mail_command {
    path_result path;
    mail_params params;
};
struct rcpt_command {
    path_result path;
    rcpt_params params;
};

// argument: what follows "MAIL FROM:". The path may use UTF-8 only when
// the parameters contain SMTPUTF8 (RFC 6531 §3.4); utf8_offered says
// whether the server advertised it.
std::variant<mail_command, param_error> parse_mail(std::string_view argument, bool utf8_offered);
// utf8: the transaction's MAIL had SMTPUTF8.
std::variant<rcpt_command, param_error> parse_rcpt(std::string_view argument, bool utf8);

// RFC 3461 §4 xtext ("+XX" hex escapes, printable ASCII otherwise).
std::optional<std::string> decode_xtext(std::string_view s);

// BDAT <size> [LAST] (RFC 3030 §2).
struct bdat_args {
    std::uint64_t size = 0;
    bool last = false;
};
std::optional<bdat_args> parse_bdat(std::string_view argument);

}  // namespace mailroom::smtp
