#include "net/tls_context.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "common/errors.hpp"
#include "common/handles.hpp"

namespace mailroom::net {
namespace {

struct evp_pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
struct x509_ext_free {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct file_close {
    void operator()(FILE* f) const { std::fclose(f); }
};

// Writes a PEM file through tmp + fsync + rename, with the given mode.
template <class Writer>
std::error_code write_pem(const std::filesystem::path& path, mode_t mode, Writer&& write) {
    auto tmp = path;
    tmp += ".tmp";
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) return {errno, std::generic_category()};
    std::unique_ptr<FILE, file_close> f(::fdopen(fd.get(), "w"));
    if (!f) return {errno, std::generic_category()};
    fd.release();  // now owned by f
    if (!write(f.get()) || std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0) {
        std::filesystem::remove(tmp);
        return make_error_code(errc::storage_failure);
    }
    f.reset();
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    return ec;
}

bool add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, x509_ext_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

std::error_code ensure_self_signed(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                                   const std::string& hostname) {
    std::error_code ec;
    if (std::filesystem::exists(cert_path, ec) && std::filesystem::exists(key_path, ec)) return {};
    std::filesystem::create_directories(cert_path.parent_path(), ec);
    if (ec) return ec;

    std::unique_ptr<EVP_PKEY, evp_pkey_free> pkey(EVP_RSA_gen(2048));
    std::unique_ptr<X509, x509_free> cert(X509_new());
    if (!pkey || !cert) return make_error_code(errc::storage_failure);
    std::uint64_t serial = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1)
        return make_error_code(errc::storage_failure);
    serial >>= 1;  // positive
    const std::string san = "DNS:" + hostname + ",DNS:localhost,IP:127.0.0.1,IP:::1";
    bool ok = X509_set_version(cert.get(), 2) == 1 &&
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr &&
              X509_set_pubkey(cert.get(), pkey.get()) == 1;
    X509_NAME* name = X509_get_subject_name(cert.get());
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(hostname.c_str()),
                                    -1, -1, 0) == 1 &&
         X509_set_issuer_name(cert.get(), name) == 1 && add_extension(cert.get(), NID_subject_alt_name, san.c_str()) &&
         add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
         X509_sign(cert.get(), pkey.get(), EVP_sha256()) > 0;
    if (!ok) return make_error_code(errc::storage_failure);

    if (auto e = write_pem(key_path, 0600, [&](FILE* f) {
            return PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
        }))
        return e;
    return write_pem(cert_path, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
}

result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const std::filesystem::path& cert,
                                                                       const std::filesystem::path& key) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    if (!ec) ctx->use_certificate_chain_file(cert.string(), ec);
    if (!ec) ctx->use_private_key_file(key.string(), ssl::context::pem, ec);
    if (ec) return make_error_code(errc::invalid_argument);  // caller names the files
    SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_SERVER);
    return ctx;
}

}  // namespace mailroom::net
