#include "mail/detail/returned_message.hpp"

#include <algorithm>

namespace mailroom::mail::detail {
namespace {

constexpr std::size_t max_line = 998;  // RFC 5322 §2.1.1, without CRLF

// Calls f(line) for each line of text; CRLF, bare LF and bare CR all end a
// line. Stops early when f returns false. A last line without an end counts.
template <class F>
void for_each_line(std::string_view text, F f) {
    while (!text.empty()) {
        const auto end = text.find_first_of("\r\n");
        const auto line = text.substr(0, end);
        if (end == std::string_view::npos) {
            f(line);
            return;
        }
        std::size_t skip = 1;
        if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') skip = 2;
        if (!f(line)) return;
        text.remove_prefix(end + skip);
    }
}

bool has_8bit(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

returned_content header_section(std::string_view original, std::size_t max_bytes) {
    returned_content out;
    for_each_line(original, [&](std::string_view line) {
        if (line.empty()) return false;  // end of the header section
        if (line.size() > max_line) {
            line = line.substr(0, max_line);
            out.truncated = true;
        }
        if (out.bytes.size() + line.size() + 2 > max_bytes) {
            out.truncated = true;
            return false;
        }
        out.bytes.append(line).append("\r\n");
        return true;
    });
    out.eight_bit = has_8bit(out.bytes);
    return out;
}

returned_content returned_copy(std::string_view original, bool want_full, std::size_t max_full_bytes,
                               std::size_t max_header_bytes) {
    if (want_full && original.size() <= max_full_bytes) {
        returned_content out;
        out.full = true;
        out.bytes.reserve(original.size() + 64);
        bool fits = true;
        for_each_line(original, [&](std::string_view line) {
            if (line.size() > max_line) return fits = false;
            out.bytes.append(line).append("\r\n");
            return true;
        });
        if (fits) {
            out.eight_bit = has_8bit(out.bytes);
            return out;
        }
    }
    auto headers = header_section(original, max_header_bytes);
    headers.truncated = headers.truncated || want_full;
    return headers;
}

}  // namespace mailroom::mail::detail
