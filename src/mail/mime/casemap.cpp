// i;unicode-casemap over GLib (see casemap.hpp).
#include "mail/mime/casemap.hpp"

#include <glib.h>

#include "mail/mime/detail/utf8.hpp"

namespace mailroom::mime {

std::string casemap_key(std::string_view in) {
    const std::string valid = detail::valid_utf8(in);
    std::string out;
    out.reserve(valid.size());
    const char* p = valid.data();
    const char* end = p + valid.size();
    gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    char utf8[8];
    while (p < end) {
        const auto byte = static_cast<unsigned char>(*p);
        if (byte < 0x80) {
            // ASCII: the titlecase of a-z is A-Z and nothing decomposes; the
            // fast path keeps SEARCH TEXT near memchr speed on ASCII mail.
            out.push_back(byte >= 'a' && byte <= 'z' ? static_cast<char>(byte - 'a' + 'A') : static_cast<char>(byte));
            ++p;
            continue;
        }
        const gunichar c = g_utf8_get_char(p);
        p = g_utf8_next_char(p);
        const gunichar title = g_unichar_totitle(c);
        const gsize n = g_unichar_fully_decompose(title, TRUE, decomposed, G_UNICHAR_MAX_DECOMPOSITION_LENGTH);
        for (gsize i = 0; i < n; ++i)
            out.append(utf8, static_cast<std::size_t>(g_unichar_to_utf8(decomposed[i], utf8)));
    }
    return out;
}

bool casemap_contains_key(std::string_view haystack, std::string_view needle_key) {
    if (needle_key.empty()) return true;
    // UTF-8 is self-synchronising: a byte match of whole keys is a character match.
    return casemap_key(haystack).find(needle_key) != std::string::npos;
}

bool casemap_contains(std::string_view haystack, std::string_view needle) {
    return casemap_contains_key(haystack, casemap_key(needle));
}

}  // namespace mailroom::mime
