#include "proto/pop3/message_encoding.hpp"

namespace mailroom::pop3 {

void append_multiline_message(std::string& out, std::string_view raw, std::optional<std::uint64_t> body_lines) {
    out.reserve(out.size() + raw.size() + raw.size() / 32 + 8);
    bool in_body = false;
    std::uint64_t body_sent = 0;
    while (!raw.empty()) {
        if (in_body && body_lines && body_sent >= *body_lines) break;
        const auto lf = raw.find('\n');
        std::string_view line = raw.substr(0, lf);
        raw.remove_prefix(lf == std::string_view::npos ? raw.size() : lf + 1);
        if (lf != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty() && line.front() == '.') out += '.';
        out.append(line);
        out += "\r\n";
        if (in_body) ++body_sent;
        else if (line.empty()) in_body = true;  // the blank line that ends the header (RFC 5322 §2.1)
    }
    out += ".\r\n";
}

}  // namespace mailroom::pop3
