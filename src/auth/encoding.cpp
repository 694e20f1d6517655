#include "auth/encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

namespace mailroom::auth::detail {
namespace {

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string to_hex(const unsigned char* p, std::size_t n) {
    constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0xf];
    }
    return out;
}

std::string to_base64(const unsigned char* p, std::size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
    out.resize(len > 0 ? static_cast<std::size_t>(len) : 0);
    return out;
}

std::string hex_to_base64(std::string_view hex) {
    if (hex.empty() || hex.size() % 2 != 0) return {};
    std::vector<unsigned char> raw(hex.size() / 2);
    bool ok = true;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            ok = false;
            break;
        }
        raw[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    std::string out = ok ? to_base64(raw.data(), raw.size()) : std::string();
    OPENSSL_cleanse(raw.data(), raw.size());
    return out;
}

}  // namespace mailroom::auth::detail
