// auth/wipe (private to auth/): short-lived copies of secrets for C APIs.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom::auth::detail {

// A NUL-terminated copy of a secret for a C function; wiped when it goes away.
class c_secret {
public:
    c_secret() = default;
    explicit c_secret(std::string_view s) { assign(s); }
    ~c_secret() { wipe(); }
    c_secret(const c_secret&) = delete;
    c_secret& operator=(const c_secret&) = delete;
    void assign(std::string_view s) {
        wipe();
        s_.reserve(s.size());  // no reallocation below leaves an unwiped copy
        s_.assign(s);
    }
    const char* c_str() const noexcept { return s_.c_str(); }
    std::string_view view() const noexcept { return s_; }
    std::size_t size() const noexcept { return s_.size(); }

private:
    void wipe() noexcept {
        OPENSSL_cleanse(s_.data(), s_.capacity());
        s_.clear();
    }
    std::string s_;
};

// Wipes then frees memory that GNU SASL allocated (gsasl_free).
void wipe_and_gsasl_free(char* p, std::size_t n) noexcept;

// SASLprep (RFC 4013, unassigned code points allowed) as GNU SASL's PLAIN
// and SCRAM apply it, so a password hashes the same whichever way it
// arrives. False for passwords SASLprep rejects or with a NUL byte.
bool saslprep(std::string_view password, c_secret& out);

}  // namespace mailroom::auth::detail
