#include "sandbox/command_reader.hpp"

#include <charconv>
#include <utility>

#include "common/ascii.hpp"
#include "sandbox/base64.hpp"

namespace mailroom::sandbox {
namespace {

// The next space-separated word of `rest`, which moves past it.
std::string_view word(std::string_view& rest) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto end = rest.find(' ');
    const auto w = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return w;
}

// The authentication identity of a SASL PLAIN response (RFC 4616 §2):
// authzid NUL authcid NUL passwd.
std::string plain_user(std::string_view b64) {
    const auto raw = decode_base64(b64).value_or("");
    const auto first = raw.find('\0');
    if (first == std::string::npos) return {};
    const auto second = raw.find('\0', first + 1);
    if (second == std::string::npos) return {};
    return raw.substr(first + 1, second - first - 1);
}

// An IMAP astring as sent: an atom or a quoted string (RFC 9051 §4.3);
// a literal gives "" (its octets come later).
std::string imap_astring(std::string_view rest) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty() || rest.front() == '{') return {};
    if (rest.front() != '"') return std::string(word(rest));
    std::string out;
    for (std::size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] == '"') return out;
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        out += rest[i];
    }
    return {};  // unterminated
}

// The octet count of a literal ending the line: "{12}" or "{12+}" (RFC 7888).
bool literal_at_end(std::string_view line, std::uint64_t& n) {
    if (!line.ends_with('}')) return false;
    const auto open = line.rfind('{');
    if (open == std::string_view::npos) return false;
    auto digits = line.substr(open + 1, line.size() - open - 2);
    if (digits.ends_with('+')) digits.remove_suffix(1);
    if (digits.empty() || digits.size() > 19) return false;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return ec == std::errc{} && p == digits.data() + digits.size();
}

}  // namespace

command_reader::command_reader(std::string protocol) : protocol_(std::move(protocol)) {}

void command_reader::reset() {
    mode_ = mode::line;
    line_.clear();
    line_overflow_ = false;
    skip_left_ = 0;
    smtp_due_ = 0;
    in_imap_command_ = false;
    continuation_due_ = false;
    sasl_plain_due_ = false;
    server_line_.clear();
}

std::vector<client_step> command_reader::client_bytes(std::string_view bytes) {
    std::vector<client_step> out;
    std::size_t i = 0;
    while (i < bytes.size()) {
        switch (mode_) {
            case mode::data_reply:  // a client that does not wait for 354 sends its body now
                mode_ = mode::body;
                body_state_ = 0;
                [[fallthrough]];
            case mode::body: {
                // The body ends at CRLF "." CRLF (RFC 5321 §4.1.1.4); the DATA line's CRLF starts a line.
                const char c = bytes[i++];
                switch (body_state_) {
                    case 0: body_state_ = c == '.' ? 1 : c == '\r' ? 4 : 3; break;
                    case 1: body_state_ = c == '\r' ? 2 : 3; break;
                    case 2:
                        if (c == '\n') {
                            out.push_back({"DATA", "", "", true});
                            ++smtp_due_;  // the reply to the message
                            mode_ = mode::line;
                        } else {
                            body_state_ = c == '\r' ? 4 : 3;
                        }
                        break;
                    case 3: body_state_ = c == '\r' ? 4 : 3; break;
                    default: body_state_ = c == '\n' ? 0 : c == '\r' ? 4 : 3; break;
                }
                break;
            }
            case mode::chunk:
            case mode::literal: {
                const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_left_, bytes.size() - i));
                i += n;
                skip_left_ -= n;
                if (skip_left_ > 0) break;
                if (mode_ == mode::chunk) out.push_back({"BDAT", "", "", true});
                mode_ = mode::line;  // an IMAP command's line goes on after its literal
                break;
            }
            case mode::line: {
                const auto nl = bytes.find('\n', i);
                const auto end = nl == std::string_view::npos ? bytes.size() : nl;
                const auto room = max_line_bytes - line_.size();
                if (end - i > room) line_overflow_ = true;
                line_.append(bytes.substr(i, std::min(end - i, room)));
                i = end;
                if (nl != std::string_view::npos) {
                    ++i;
                    line_done(out);
                }
                break;
            }
        }
    }
    return out;
}

void command_reader::line_done(std::vector<client_step>& out) {
    std::string line = std::move(line_);
    line_.clear();
    line_overflow_ = false;
    if (line.ends_with('\r')) line.pop_back();
    if (protocol_ == "imap" && in_imap_command_) {  // the rest of a command after a literal
        std::uint64_t n = 0;
        if (literal_at_end(line, n) && n > 0) {
            skip_left_ = n;
            mode_ = mode::literal;
        } else {
            in_imap_command_ = false;
        }
        return;
    }
    if (protocol_ == "smtp") ++smtp_due_;  // every SMTP line gets one reply
    if (continuation_due_) {               // a SASL response, or IMAP's DONE after IDLE
        continuation_due_ = false;
        client_step s{"", "", "", false};
        if (sasl_plain_due_) s.user = plain_user(line);
        sasl_plain_due_ = false;
        out.push_back(std::move(s));
        return;
    }
    sasl_plain_due_ = false;
    if (protocol_ == "smtp") smtp_line(line, out);
    else if (protocol_ == "pop3") pop3_line(line, out);
    else imap_line(line, out);
}

void command_reader::smtp_line(std::string_view line, std::vector<client_step>& out) {
    auto rest = line;
    client_step s{ascii_upper(word(rest)), "", "", true};
    if (s.verb == "DATA") {
        s.consult = false;  // its outcome is the reply after the body
        mode_ = mode::data_reply;
    } else if (s.verb == "BDAT") {
        // RFC 3030 §2: BDAT size [LAST], then exactly size octets.
        const auto size = word(rest);
        std::uint64_t n = 0;
        const auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
        if (ec == std::errc{} && p == size.data() + size.size() && n > 0) {
            skip_left_ = n;
            mode_ = mode::chunk;
            return;  // the step comes at the chunk's end
        }
    } else if (s.verb == "AUTH") {
        const auto mech = ascii_upper(word(rest));
        const auto initial = word(rest);
        if (mech == "PLAIN") {
            if (initial.empty()) sasl_plain_due_ = true;
            else s.user = plain_user(initial);
        } else if (mech == "LOGIN" && !initial.empty()) {
            s.user = decode_base64(initial).value_or("");  // RFC 4954 §4: LOGIN's initial response is the name
        }
    }
    out.push_back(std::move(s));
}

void command_reader::pop3_line(std::string_view line, std::vector<client_step>& out) {
    auto rest = line;
    client_step s{ascii_upper(word(rest)), "", "", true};
    if (s.verb == "USER" || s.verb == "APOP") {
        s.user = std::string(word(rest));
    } else if (s.verb == "AUTH") {  // RFC 5034 §4
        const auto mech = ascii_upper(word(rest));
        const auto initial = word(rest);
        if (mech == "PLAIN") {
            if (initial.empty()) sasl_plain_due_ = true;
            else s.user = plain_user(initial);
        }
    }
    out.push_back(std::move(s));
}

void command_reader::imap_line(std::string_view line, std::vector<client_step>& out) {
    auto rest = line;
    client_step s{"", std::string(word(rest)), "", true};
    s.verb = ascii_upper(word(rest));
    if (s.verb == "UID") s.verb = ascii_upper(word(rest));  // UID FETCH is a FETCH to match rules
    if (s.verb == "LOGIN") {
        s.user = imap_astring(rest);
    } else if (s.verb == "AUTHENTICATE") {  // SASL-IR, RFC 4959
        const auto mech = ascii_upper(word(rest));
        const auto initial = word(rest);
        if (mech == "PLAIN") {
            if (initial.empty()) sasl_plain_due_ = true;
            else s.user = plain_user(initial);
        }
    }
    std::uint64_t n = 0;
    if (literal_at_end(line, n) && n > 0) {
        skip_left_ = n;
        mode_ = mode::literal;
        in_imap_command_ = true;
    }
    out.push_back(std::move(s));
}

void command_reader::server_bytes(std::string_view bytes) {
    for (char c : bytes) {
        if (c == '\n') {
            server_line(server_line_);
            server_line_.clear();
        } else if (server_line_.size() < 8) {
            server_line_ += c;
        }
    }
}

void command_reader::server_line(std::string_view start) {
    if (protocol_ == "smtp") {
        const bool final = start.size() <= 3 || start[3] != '-';  // RFC 5321 §4.2.1
        if (!final) return;
        if (smtp_due_ > 0) --smtp_due_;
        // DATA's own reply is the last one due: the group before it is answered first.
        if (mode_ == mode::data_reply && smtp_due_ == 0) {
            mode_ = start.starts_with("354") ? mode::body : mode::line;
            body_state_ = 0;
        }
        continuation_due_ = start.starts_with("334");
        return;
    }
    const bool plus = start == "+" || start == "+\r" || start.starts_with("+ ");
    if (protocol_ == "pop3") {
        continuation_due_ = plus;
        return;
    }
    if (in_imap_command_) return;  // "+" for a literal: the same command goes on
    if (plus) continuation_due_ = true;
    else if (!start.starts_with("*")) continuation_due_ = false;  // a tagged reply ends any exchange
}

}  // namespace mailroom::sandbox
