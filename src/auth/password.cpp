#include "auth/password.hpp"

#include <crypt.h>
#include <gsasl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

constexpr unsigned scram_iterations = 4096;  // RFC 7677 §4 minimum, and what clients expect
constexpr std::size_t scram_salt_bytes = 16;

std::string hex(const unsigned char* p, std::size_t n) {
    constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0xf];
    }
    return out;
}

std::string base64(const unsigned char* p, std::size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

// Large (about 32 KiB) and holds the password while hashing: heap, wiped.
struct crypt_scratch {
    crypt_scratch() : data(std::make_unique<crypt_data>()) {}
    ~crypt_scratch() { OPENSSL_cleanse(data.get(), sizeof(crypt_data)); }
    std::unique_ptr<crypt_data> data;
};

result<scram_keys> scram_for(Gsasl_hash hash, const secret& password) {
    std::array<unsigned char, scram_salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) return make_error_code(errc::storage_failure);
    const std::string pw(password.reveal());  // gsasl wants a C string
    std::array<char, GSASL_HASH_MAX_SIZE> salted{}, client_key{}, server_key{}, stored_key{};
    const int rc = gsasl_scram_secrets_from_password(hash, pw.c_str(), scram_iterations,
                                                     reinterpret_cast<const char*>(salt.data()), salt.size(),
                                                     salted.data(), client_key.data(), server_key.data(),
                                                     stored_key.data());
    const std::size_t n = gsasl_hash_length(hash);
    scram_keys k;
    if (rc == GSASL_OK) {
        k.iterations = scram_iterations;
        k.salt_b64 = base64(salt.data(), salt.size());
        k.stored_key_hex = hex(reinterpret_cast<const unsigned char*>(stored_key.data()), n);
        k.server_key_hex = hex(reinterpret_cast<const unsigned char*>(server_key.data()), n);
    }
    OPENSSL_cleanse(const_cast<char*>(pw.data()), pw.size());
    OPENSSL_cleanse(salted.data(), salted.size());
    OPENSSL_cleanse(client_key.data(), client_key.size());
    // SCRAM runs SASLprep (RFC 4013) on the password: invalid UTF-8 or
    // prohibited characters are the caller's error, not a system failure.
    if (rc == GSASL_SASLPREP_ERROR) return make_error_code(errc::invalid_argument);
    if (rc != GSASL_OK) return make_error_code(errc::storage_failure);
    return k;
}

}  // namespace

result<credentials> make_credentials(const secret& password, bool legacy) {
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return make_error_code(errc::storage_failure);
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
    // count 0: libxcrypt's default yescrypt cost.
    if (!crypt_gensalt_rn("$y$", 0, reinterpret_cast<const char*>(random.data()), static_cast<int>(random.size()),
                          setting.data(), static_cast<int>(setting.size())))
        return make_error_code(errc::unsupported);
    const std::string pw(password.reveal());
    crypt_scratch scratch;
    const char* hashed = crypt_rn(pw.c_str(), setting.data(), scratch.data.get(), sizeof(crypt_data));
    OPENSSL_cleanse(const_cast<char*>(pw.data()), pw.size());
    if (!hashed || hashed[0] == '*') return make_error_code(errc::unsupported);

    credentials c;
    c.password_hash = hashed;
    auto sha1 = scram_for(GSASL_HASH_SHA1, password);
    if (!sha1) return sha1.error();
    auto sha256 = scram_for(GSASL_HASH_SHA256, password);
    if (!sha256) return sha256.error();
    c.scram_sha1 = std::move(*sha1);
    c.scram_sha256 = std::move(*sha256);
    if (legacy) c.legacy_secret = password;
    return c;
}

bool verify_password(const secret& password, std::string_view crypt_hash) {
    if (crypt_hash.empty() || crypt_hash[0] == '*') return false;
    const std::string pw(password.reveal());
    const std::string setting(crypt_hash);
    crypt_scratch scratch;
    const char* hashed = crypt_rn(pw.c_str(), setting.c_str(), scratch.data.get(), sizeof(crypt_data));
    OPENSSL_cleanse(const_cast<char*>(pw.data()), pw.size());
    if (!hashed || hashed[0] == '*') return false;
    const std::string_view got(hashed);
    return got.size() == crypt_hash.size() && CRYPTO_memcmp(got.data(), crypt_hash.data(), got.size()) == 0;
}

bool verify_apop(const credentials& c, std::string_view timestamp, std::string_view digest_hex) {
    if (!c.legacy_secret || digest_hex.size() != 32) return false;
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    const auto secret_text = c.legacy_secret->reveal();
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), timestamp.data(), timestamp.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), secret_text.data(), secret_text.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len) != 1 || md_len != 16)
        return false;
    const std::string expected = hex(md.data(), md_len);
    std::string given(digest_hex);
    for (auto& ch : given)
        if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    return CRYPTO_memcmp(expected.data(), given.data(), 32) == 0;
}

}  // namespace mailroom::auth
