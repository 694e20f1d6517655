// Header block splitting (see header_fields.hpp).
#include "mail/mime/detail/header_fields.hpp"

namespace mailroom::mime::detail {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::vector<header_field> split_header(std::string_view block) {
    std::vector<header_field> fields;
    std::size_t pos = 0;
    while (pos < block.size()) {
        if (block[pos] == '\n' || (block[pos] == '\r' && pos + 1 < block.size() && block[pos + 1] == '\n')) break;
        const std::size_t start = pos;
        // The field runs over its first line and every continuation line (RFC 5322 §2.2.3).
        std::size_t end = block.find('\n', pos);
        while (end != std::string_view::npos && end + 1 < block.size() && is_blank(block[end + 1]))
            end = block.find('\n', end + 1);
        const std::size_t stop = end == std::string_view::npos ? block.size() : end + 1;
        std::string_view text = block.substr(start, stop - start);
        header_field f;
        f.offset = start;
        f.length = stop - start;
        if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        const auto first_line_end = text.find('\n');
        const auto colon = text.substr(0, first_line_end).find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = text.substr(0, colon);
            while (!name.empty() && is_blank(name.back())) name.remove_suffix(1);  // RFC 5322 §4.5.3 obs-optional
            f.name = name;
            f.raw_value = text.substr(colon + 1);
        } else {
            f.raw_value = text;
        }
        fields.push_back(f);
        pos = stop;
    }
    return fields;
}

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (c == '\r' || c == '\n') continue;
        if (c == '\0') out += "\xEF\xBF\xBD";  // U+FFFD: no IMAP string holds NUL (Dovecot does the same)
        else out.push_back(c);
    }
    std::size_t b = 0, e = out.size();
    while (b < e && is_blank(out[b])) ++b;
    while (e > b && is_blank(out[e - 1])) --e;
    return out.substr(b, e - b);
}

std::optional<std::string> first_field(const std::vector<header_field>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (!f.name.empty() && ascii_iequals(f.name, name)) return unfold(f.raw_value);
    return std::nullopt;
}

}  // namespace mailroom::mime::detail
