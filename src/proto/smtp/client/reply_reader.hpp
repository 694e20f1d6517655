// smtp::client::reply_reader: turns a server's bytes into SMTP replies
// (RFC 5321 §4.2: "NNN-text" continuation lines, then "NNN text"), with
// every line bounded and every reply bounded in lines and bytes. It only
// parses; the client session decides what a reply means.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/common/input_buffer.hpp"
#include "proto/smtp/client/limits.hpp"

namespace mailroom::smtp::client {

struct reply {
    int code = 0;                    // 200..599
    std::string enhanced;            // RFC 3463 "x.y.z" from the first line, or ""
    std::vector<std::string> lines;  // the text after "NNN-"/"NNN ", one per line, control chars as '?'

    bool positive() const noexcept { return code >= 200 && code < 300; }
    bool intermediate() const noexcept { return code >= 300 && code < 400; }
    bool transient() const noexcept { return code >= 400 && code < 500; }
    bool permanent() const noexcept { return code >= 500; }
    // "NNN text / text / ..." on one line, for logs and bounces.
    std::string summary() const;
    // An outcome the client decided itself (code 0): its RFC 3463 code and text.
    static reply local(std::string enhanced, std::string text);
};

enum class reply_error {
    bad_syntax,      // no 3-digit code, or no SP/'-'/end after it
    bad_code,        // code outside 200..599 (RFC 5321 §4.2.1 uses 2xx-5xx)
    mixed_codes,     // a multi-line reply whose lines carry different codes
    line_too_long,   // over reply_limits::max_line_bytes
    too_many_lines,  // over reply_limits::max_lines
    too_long,        // over reply_limits::max_reply_bytes
};
std::string_view describe(reply_error e) noexcept;

// RFC 3463 §2: class.subject.detail, class 2/4/5, subject and detail
// 1-3 digits. The code's class must match the reply's first digit.
std::optional<std::string> parse_enhanced_code(std::string_view text, int reply_code);

class reply_reader {
public:
    explicit reply_reader(reply_limits lim = {}) : lim_(lim) {}

    void feed(std::string_view bytes) { in_.append(bytes); }

    // The next complete reply, std::monostate when more bytes are needed,
    // or an error after which the stream cannot be trusted (the reader
    // stays failed).
    using result = std::variant<std::monostate, reply, reply_error>;
    result next();

    // Bytes received and not yet part of a returned reply: the server
    // spoke before we did (checked before every command we send).
    bool has_unread_bytes() const noexcept { return !in_.raw().empty() || !partial_.lines.empty(); }
    void clear() noexcept;  // after STARTTLS (RFC 3207 §4.2 forget everything)

private:
    reply_limits lim_;
    proto::input_buffer in_{lim_.max_line_bytes};
    reply partial_;
    std::size_t partial_bytes_ = 0;
    std::optional<reply_error> failed_;
};

}  // namespace mailroom::smtp::client
