#include "auth/password.hpp"

#include <crypt.h>
#include <gsasl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "auth/encoding.hpp"
#include "auth/wipe.hpp"
#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

constexpr unsigned scram_iterations = 4096;  // RFC 7677 §4 minimum, and what clients expect
constexpr std::size_t scram_salt_bytes = 16;
constexpr std::size_t crypt_salt_random_bytes = 32;

// struct crypt_data is 32 KiB and holds the password while hashing: heap, zeroed, wiped.
struct crypt_scratch {
    crypt_scratch() : data(std::make_unique<crypt_data>()) {}
    ~crypt_scratch() { OPENSSL_cleanse(data.get(), sizeof(crypt_data)); }
    crypt_scratch(const crypt_scratch&) = delete;
    crypt_scratch& operator=(const crypt_scratch&) = delete;
    std::unique_ptr<crypt_data> data;
};

// The password as every path compares it: SASLprep'd (GNU SASL's PLAIN
// hands the validate callback a prepared password, SCRAM prepares both
// sides), short enough for libxcrypt. False if unusable.
bool prepare(const secret& password, detail::c_secret& out) {
    return detail::saslprep(password.reveal(), out) && out.size() < CRYPT_MAX_PASSPHRASE_SIZE;
}

result<std::string> yescrypt(const detail::c_secret& pw) {
    std::array<unsigned char, crypt_salt_random_bytes> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return make_error_code(errc::storage_failure);
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
    // count 0: libxcrypt's default yescrypt cost.
    const char* ok = crypt_gensalt_rn("$y$", 0, reinterpret_cast<const char*>(random.data()),
                                      static_cast<int>(random.size()), setting.data(),
                                      static_cast<int>(setting.size()));
    OPENSSL_cleanse(random.data(), random.size());
    if (!ok) return make_error_code(errc::unsupported);  // libxcrypt built without yescrypt
    crypt_scratch scratch;
    const char* hashed = crypt_rn(pw.c_str(), setting.data(), scratch.data.get(), sizeof(crypt_data));
    if (!hashed || hashed[0] == '*') return make_error_code(errc::unsupported);
    return std::string(hashed);
}

result<scram_keys> scram_for(Gsasl_hash hash, const detail::c_secret& pw) {
    std::array<unsigned char, scram_salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) return make_error_code(errc::storage_failure);
    std::array<char, GSASL_HASH_MAX_SIZE> salted{}, client_key{}, server_key{}, stored_key{};
    // The salt is raw bytes here; GNU SASL's SCRAM server takes it base64.
    const int rc = gsasl_scram_secrets_from_password(hash, pw.c_str(), scram_iterations,
                                                     reinterpret_cast<const char*>(salt.data()), salt.size(),
                                                     salted.data(), client_key.data(), server_key.data(),
                                                     stored_key.data());
    const std::size_t n = gsasl_hash_length(hash);
    scram_keys k;
    if (rc == GSASL_OK) {
        k.iterations = scram_iterations;
        k.salt_b64 = detail::to_base64(salt.data(), salt.size());
        k.stored_key_hex = detail::to_hex(reinterpret_cast<const unsigned char*>(stored_key.data()), n);
        k.server_key_hex = detail::to_hex(reinterpret_cast<const unsigned char*>(server_key.data()), n);
    }
    OPENSSL_cleanse(salted.data(), salted.size());
    OPENSSL_cleanse(client_key.data(), client_key.size());
    OPENSSL_cleanse(server_key.data(), server_key.size());
    OPENSSL_cleanse(stored_key.data(), stored_key.size());
    // SCRAM runs SASLprep (RFC 4013): a password it rejects is the caller's error.
    if (rc == GSASL_SASLPREP_ERROR) return make_error_code(errc::invalid_argument);
    if (rc != GSASL_OK) return make_error_code(errc::storage_failure);
    return k;
}

}  // namespace

result<credentials> make_credentials(const secret& password, bool legacy) {
    detail::c_secret pw;
    if (!prepare(password, pw)) return make_error_code(errc::invalid_argument);
    auto hash = yescrypt(pw);
    if (!hash) return hash.error();
    auto sha1 = scram_for(GSASL_HASH_SHA1, pw);
    if (!sha1) return sha1.error();
    auto sha256 = scram_for(GSASL_HASH_SHA256, pw);
    if (!sha256) return sha256.error();

    credentials c;
    c.password_hash = std::move(*hash);
    c.scram_sha1 = std::move(*sha1);
    c.scram_sha256 = std::move(*sha256);
    if (legacy) c.legacy_secret = password;  // as typed: APOP and CRAM-MD5 clients digest it so
    return c;
}

bool verify_password(const secret& password, std::string_view crypt_hash) {
    if (crypt_hash.empty() || crypt_hash.front() == '*' || crypt_hash.find('\0') != std::string_view::npos)
        return false;
    detail::c_secret pw;
    if (!prepare(password, pw)) return false;
    const std::string setting(crypt_hash);
    crypt_scratch scratch;
    const char* hashed = crypt_rn(pw.c_str(), setting.c_str(), scratch.data.get(), sizeof(crypt_data));
    if (!hashed || hashed[0] == '*') return false;
    const std::string_view got(hashed);
    return got.size() == crypt_hash.size() && CRYPTO_memcmp(got.data(), crypt_hash.data(), got.size()) == 0;
}

secret apop_digest(std::string_view timestamp, const secret& password) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    const auto secret_text = password.reveal();
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), timestamp.data(), timestamp.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), secret_text.data(), secret_text.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len) != 1 || md_len != 16)
        return secret();
    secret hex(detail::to_hex(md.data(), md_len));
    OPENSSL_cleanse(md.data(), md.size());
    return hex;
}

bool verify_apop(const credentials& c, std::string_view timestamp, std::string_view digest_hex) {
    if (!c.legacy_secret || digest_hex.size() != 32) return false;
    const secret expected = apop_digest(timestamp, *c.legacy_secret);
    if (expected.reveal().size() != 32) return false;
    std::string given(digest_hex);
    for (auto& ch : given)
        if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    const bool ok = CRYPTO_memcmp(expected.reveal().data(), given.data(), given.size()) == 0;
    OPENSSL_cleanse(given.data(), given.size());
    return ok;
}

}  // namespace mailroom::auth
