// i;unicode-casemap over GLib (see casemap.hpp).
#include "mail/mime/casemap.hpp"

#include <glib.h>

#include "mail/mime/detail/utf8.hpp"

namespace mailroom::mime {

std::string casemap_key(std::string_view in) {
    const std::string valid = detail::valid_utf8(in);
    in = valid;
    std::string out;
    out.reserve(in.size());
    const char* p = in.data();
    const char* end = p + in.size();
    gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    char utf8[8];
    while (p < end) {
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
