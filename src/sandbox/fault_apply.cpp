#include "sandbox/fault_apply.hpp"

#include <fmt/format.h>

#include <charconv>
#include <type_traits>

namespace mailroom::sandbox {
namespace {

constexpr std::size_t octet_shift = 7;  // how far a wrong octet count is off

std::string bare_lf(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') continue;
        out += in[i];
    }
    return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Adds octet_shift to the digits at [at, at + len).
void shift_number(std::string& s, std::size_t at, std::size_t len) {
    std::uint64_t n = 0;
    std::from_chars(s.data() + at, s.data() + at + len, n);
    s.replace(at, len, std::to_string(n + octet_shift));
}

// POP3: the last number of the first line ("+OK 1234 octets", "+OK 2 1234").
bool pop3_wrong_count(std::string& s) {
    const auto eol = s.find('\n');
    if (!s.starts_with("+OK")) return false;
    const std::size_t end = eol == std::string::npos ? s.size() : eol;
    for (std::size_t i = end; i-- > 3;) {
        if (!is_digit(s[i])) continue;
        std::size_t start = i;
        while (start > 3 && is_digit(s[start - 1])) --start;
        if (i + 1 - start > 18) return false;
        shift_number(s, start, i + 1 - start);
        return true;
    }
    return false;
}

// IMAP: the first literal "{n}\r\n" (RFC 9051 §4.3) announces n + 7 octets.
bool imap_wrong_count(std::string& s) {
    for (std::size_t open = s.find('{'); open != std::string::npos; open = s.find('{', open + 1)) {
        std::size_t i = open + 1;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == open + 1 || i - open - 1 > 18 || s.compare(i, 3, "}\r\n") != 0) continue;
        shift_number(s, open + 1, i - open - 1);
        return true;
    }
    return false;
}

// SMTP: the reply's last line "250 ok" becomes "250-ok", a multi-line reply
// that never ends (RFC 5321 §4.2.1: the final line has a space).
bool smtp_unfinished(std::string& s) {
    if (s.size() < 4 || !s.ends_with('\n')) return false;
    const auto prev = s.rfind('\n', s.size() - 2);
    const std::size_t start = prev == std::string::npos ? 0 : prev + 1;
    if (s.size() - start < 4 || s[start + 3] != ' ') return false;
    s[start + 3] = '-';
    return true;
}

// POP3: a multi-line reply without its terminating ".\r\n" (RFC 1939 §3).
bool pop3_no_final_dot(std::string& s, bool after_crlf) {
    if (s.ends_with("\r\n.\r\n")) {
        s.resize(s.size() - 3);
        return true;
    }
    if (s == ".\r\n" && after_crlf) {
        s.clear();
        return true;
    }
    return false;
}

}  // namespace

std::string fault_error_line(std::string_view protocol, const reply_span& span, const error_reply& e) {
    const bool greeting = span.verb == "greeting";
    if (protocol == "smtp") {
        const int code = e.code >= 200 && e.code <= 599 ? e.code : greeting ? 554 : 451;
        return fmt::format("{} {}\r\n", code, e.text.empty() ? "fault injected by mailroom dev" : e.text);
    }
    const std::string text = e.text.empty() ? "fault injected by mailroom dev" : e.text;
    if (protocol == "pop3") return fmt::format("-ERR {}\r\n", text);
    if (greeting) return fmt::format("* BYE {}\r\n", text);  // RFC 9051 §7.1.5: BYE as the greeting
    return fmt::format("{} {} {}\r\n", span.tag.empty() ? "*" : span.tag, e.code == 1 ? "BAD" : "NO", text);
}

net::write_plan apply_fault(std::string_view protocol, reply_span& span, std::string_view bytes, bool& applicable) {
    applicable = true;
    net::write_plan plan;
    plan.bytes.assign(bytes);
    const bool first = span.first;
    span.first = false;
    if (span.fault) {
        std::visit(
            [&](const auto& a) {
                using T = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<T, error_reply>) {
                    // The rest of the real reply is swallowed: the client saw its answer.
                    plan.bytes = first ? fault_error_line(protocol, span, a) : std::string();
                    plan.close_after = first && protocol == "imap" && span.verb == "greeting";
                } else if constexpr (std::is_same_v<T, delay_reply>) {
                    if (first) plan.delay = a.by;
                } else if constexpr (std::is_same_v<T, drip_reply>) {
                    plan.drip_bytes_per_s = a.bytes_per_second == 0 ? 1 : a.bytes_per_second;
                } else if constexpr (std::is_same_v<T, truncate_drop>) {
                    const std::size_t left = a.keep_bytes > span.sent ? a.keep_bytes - span.sent : 0;
                    if (plan.bytes.size() >= left) {
                        plan.bytes.resize(left);
                        plan.close_after = true;
                    }
                } else if constexpr (std::is_same_v<T, drop_connection>) {
                    plan.bytes.clear();
                    plan.close_after = true;
                } else if constexpr (std::is_same_v<T, malformed_reply>) {
                    switch (a.kind) {
                        case malformation::bare_lf: plan.bytes = bare_lf(plan.bytes); break;
                        case malformation::wrong_octet_count:
                            if (protocol == "smtp") applicable = false;
                            else if (!span.octets_changed)
                                span.octets_changed = protocol == "pop3" ? first && pop3_wrong_count(plan.bytes)
                                                                         : imap_wrong_count(plan.bytes);
                            break;
                        case malformation::missing_final_dot:
                            if (protocol == "imap") applicable = false;
                            else if (protocol == "smtp") smtp_unfinished(plan.bytes);
                            else pop3_no_final_dot(plan.bytes, span.ended_with_crlf);
                            break;
                    }
                } else {
                    static_assert(std::is_same_v<T, tls_failure>);  // acts on the next handshake
                }
            },
            span.fault->action);
    }
    span.sent += plan.bytes.size();
    if (!bytes.empty()) span.ended_with_crlf = bytes.ends_with("\r\n");
    return plan;
}

}  // namespace mailroom::sandbox
