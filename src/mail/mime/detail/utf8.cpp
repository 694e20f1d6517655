// UTF-8 repair (see utf8.hpp).
#include "mail/mime/detail/utf8.hpp"

#include <glib.h>

namespace mailroom::mime::detail {

std::string valid_utf8(std::string_view s) {
    std::string copy(s);
    for (auto& c : copy)
        if (c == '\0') c = ' ';  // g_utf8_validate refuses NUL within a length
    if (g_utf8_validate(copy.data(), static_cast<gssize>(copy.size()), nullptr)) return copy;
    gchar* fixed = g_utf8_make_valid(copy.data(), static_cast<gssize>(copy.size()));
    std::string out = fixed;
    g_free(fixed);
    return out;
}

}  // namespace mailroom::mime::detail
