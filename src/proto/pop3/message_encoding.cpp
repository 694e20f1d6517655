#include "proto/pop3/message_encoding.hpp"

#include <cstring>

namespace mailroom::pop3 {

void message_encoder::end_line() noexcept {
    if (in_body_) ++body_sent_;
    else if (line_empty_) in_body_ = true;  // the blank line that ends the header (RFC 5322 §2.1)
    at_line_start_ = true;
    line_empty_ = true;
}

void message_encoder::append(std::string& out, std::string_view raw) {
    if (done_ || raw.empty()) return;
    // Each input byte yields at most two ("\n" -> CRLF, a leading "." -> "..",
    // whose line end is one more byte), plus a CR held back from the last range.
    const std::size_t old = out.size();
    out.resize(old + 2 * raw.size() + 2);
    char* w = out.data() + old;
    const char* p = raw.data();
    const char* const end = p + raw.size();
    while (p < end) {
        if (at_line_start_) {
            if (in_body_ && body_lines_ && body_sent_ >= *body_lines_) {
                done_ = true;
                break;
            }
            if (*p == '.') *w++ = '.';  // RFC 1939 §3: byte-stuff a leading termination octet
            at_line_start_ = false;
        }
        if (pending_cr_) {
            pending_cr_ = false;
            if (*p != '\n') *w++ = '\r', line_empty_ = false;  // a bare CR is content
        }
        const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* stop = lf ? lf : end;
        auto n = static_cast<std::size_t>(stop - p);
        if (n > 0 && stop[-1] == '\r') {
            --n;                          // CRLF's CR is the line end, not content;
            if (!lf) pending_cr_ = true;  // at the end of the range we do not know yet
        }
        std::memcpy(w, p, n);
        w += n;
        if (n > 0) line_empty_ = false;
        if (!lf) break;
        *w++ = '\r';
        *w++ = '\n';
        p = lf + 1;
        end_line();
    }
    out.resize(static_cast<std::size_t>(w - out.data()));
}

void message_encoder::finish(std::string& out) {
    if (pending_cr_) out += '\r';        // a CR at the very end is content
    if (!at_line_start_) out += "\r\n";  // the last line had no line end
    out += ".\r\n";
    done_ = true;
}

void append_multiline_message(std::string& out, std::string_view raw, std::optional<std::uint64_t> body_lines) {
    message_encoder enc(body_lines);
    enc.append(out, raw);
    enc.finish(out);
}

}  // namespace mailroom::pop3
