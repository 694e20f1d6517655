#include "auth/wipe.hpp"

#include <gsasl.h>

#include <cstring>

namespace mailroom::auth::detail {

void wipe_and_gsasl_free(char* p, std::size_t n) noexcept {
    if (!p) return;
    OPENSSL_cleanse(p, n);
    gsasl_free(p);
}

bool saslprep(std::string_view password, c_secret& out) {
    if (password.find('\0') != std::string_view::npos) return false;
    const c_secret in(password);
    char* prepared = nullptr;
    const int rc = gsasl_saslprep(in.c_str(), GSASL_ALLOW_UNASSIGNED, &prepared, nullptr);
    if (rc != GSASL_OK || !prepared) {
        gsasl_free(prepared);
        return false;
    }
    const std::size_t n = std::strlen(prepared);
    out.assign(std::string_view(prepared, n));
    wipe_and_gsasl_free(prepared, n);
    return true;
}

}  // namespace mailroom::auth::detail
