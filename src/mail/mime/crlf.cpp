// LF <-> CRLF sizes and bytes (see crlf.hpp).
#include "mail/mime/crlf.hpp"

#include <cstring>

namespace mailroom::mime {

std::uint64_t crlf_size(std::string_view s) noexcept {
    std::uint64_t n = s.size();
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (lf == nullptr) break;
        if (lf == s.data() || lf[-1] != '\r') ++n;
        p = lf + 1;
    }
    return n;
}

std::uint64_t line_count(std::string_view s) noexcept {
    std::uint64_t n = 0;
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
        const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (lf == nullptr) break;
        ++n;
        p = lf + 1;
    }
    return n;
}

void append_crlf(std::string& out, std::string_view s) {
    out.reserve(out.size() + crlf_size(s));
    std::size_t pos = 0;
    while (pos < s.size()) {
        const auto lf = s.find('\n', pos);
        if (lf == std::string_view::npos) {
            out.append(s.substr(pos));
            break;
        }
        out.append(s.substr(pos, lf - pos));
        if (lf == 0 || s[lf - 1] != '\r') out.push_back('\r');
        out.push_back('\n');
        pos = lf + 1;
    }
}

}  // namespace mailroom::mime
