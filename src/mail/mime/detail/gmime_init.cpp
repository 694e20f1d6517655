// One g_mime_init per process (see gmime_init.hpp).
#include "mail/mime/detail/gmime_init.hpp"

#include <gmime/gmime.h>

#include <mutex>

namespace mailroom::mime::detail {

namespace {

GMimeParserOptions* options = nullptr;

}  // namespace

void ensure_gmime() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_mime_init();
        options = g_mime_parser_options_new();
        g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_STRICT);
    });
}

GMimeParserOptions* parser_options() {
    ensure_gmime();
    return options;
}

}  // namespace mailroom::mime::detail
