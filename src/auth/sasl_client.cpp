#include "auth/sasl_client.hpp"

#include <gsasl.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "auth/wipe.hpp"
#include "common/errors.hpp"
#include "common/sasl_mechanisms.hpp"

namespace mailroom::auth {
namespace {

constexpr auto known_mechanisms = sasl_mechanism_names;  // common/sasl_mechanisms.hpp

bool known(std::string_view m) {
    return std::find(known_mechanisms.begin(), known_mechanisms.end(), m) != known_mechanisms.end();
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

void drop_secret_property(Gsasl_session* s, Gsasl_property p) {
    if (const char* v = gsasl_property_fast(s, p)) OPENSSL_cleanse(const_cast<char*>(v), std::strlen(v));
    gsasl_property_free(s, p);
}

}  // namespace

struct sasl_client_context::impl {
    Gsasl* ctx = nullptr;
    ~impl() {
        if (ctx) gsasl_done(ctx);
    }
};

struct sasl_client_exchange::impl {
    Gsasl_session* session = nullptr;
    std::string mechanism;
    bool started = false;
    bool complete = false;
    bool failed = false;

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() {
        if (!session) return;
        drop_secret_property(session, GSASL_PASSWORD);
        gsasl_finish(session);
    }

    // One gsasl_step on raw input; the output comes back base64 in a secret.
    result<secret> run(const char* in, std::size_t in_len) {
        if (failed || complete) return make_error_code(errc::invalid_argument);
        char* out = nullptr;
        std::size_t out_len = 0;
        const int rc = gsasl_step(session, in, in_len, &out, &out_len);
        if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
            detail::wipe_and_gsasl_free(out, out_len);
            failed = true;
            return make_error_code(errc::auth_failed);
        }
        char* out_b64 = nullptr;
        std::size_t b64_len = 0;
        const int enc = gsasl_base64_to(out, out_len, &out_b64, &b64_len);
        detail::wipe_and_gsasl_free(out, out_len);
        if (enc != GSASL_OK || !out_b64) {
            failed = true;
            return make_error_code(errc::auth_failed);
        }
        secret response(std::string_view(out_b64, b64_len));
        detail::wipe_and_gsasl_free(out_b64, b64_len);
        if (rc == GSASL_OK) {
            complete = true;
            drop_secret_property(session, GSASL_PASSWORD);  // not needed any more
        }
        return response;
    }
};

sasl_client_exchange::sasl_client_exchange(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_client_exchange::~sasl_client_exchange() = default;

result<std::optional<secret>> sasl_client_exchange::initial() {
    if (impl_->started) return make_error_code(errc::invalid_argument);
    impl_->started = true;
    // LOGIN and CRAM-MD5 answer server challenges (RFC 4954 §4 allows no
    // initial response for them; CRAM-MD5 cannot have one).
    if (impl_->mechanism == "LOGIN" || impl_->mechanism == "CRAM-MD5") return std::optional<secret>();
    auto r = impl_->run(nullptr, 0);
    if (!r) return r.error();
    return std::optional<secret>(std::move(*r));
}

result<secret> sasl_client_exchange::step(std::string_view challenge_b64) {
    impl_->started = true;
    char* in = nullptr;
    std::size_t in_len = 0;
    if (gsasl_base64_from(challenge_b64.data(), challenge_b64.size(), &in, &in_len) != GSASL_OK) {
        impl_->failed = true;
        return make_error_code(errc::auth_failed);
    }
    auto r = impl_->run(in, in_len);
    detail::wipe_and_gsasl_free(in, in_len);
    return r;
}

bool sasl_client_exchange::complete() const noexcept { return impl_->complete; }
const std::string& sasl_client_exchange::mechanism() const noexcept { return impl_->mechanism; }

sasl_client_context::sasl_client_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_client_context::~sasl_client_context() = default;

result<std::unique_ptr<sasl_client_context>> sasl_client_context::create() {
    auto p = std::make_unique<impl>();
    if (gsasl_init(&p->ctx) != GSASL_OK) return make_error_code(errc::unsupported);
    return std::unique_ptr<sasl_client_context>(new sasl_client_context(std::move(p)));
}

std::optional<std::string> sasl_client_context::choose(const std::vector<std::string>& preference,
                                                       const std::vector<std::string>& offered) const {
    for (const auto& want : preference) {
        const auto m = upper(want);
        if (!known(m) || !gsasl_client_support_p(impl_->ctx, m.c_str())) continue;
        for (const auto& o : offered)
            if (upper(o) == m) return m;
    }
    return std::nullopt;
}

result<std::unique_ptr<sasl_client_exchange>> sasl_client_context::begin(std::string_view mechanism,
                                                                         std::string_view user,
                                                                         const secret& password) {
    const std::string mech = upper(mechanism);
    if (!known(mech) || !gsasl_client_support_p(impl_->ctx, mech.c_str())) return make_error_code(errc::unsupported);
    auto ex = std::make_unique<sasl_client_exchange::impl>();
    ex->mechanism = mech;
    if (gsasl_client_start(impl_->ctx, mech.c_str(), &ex->session) != GSASL_OK)
        return make_error_code(errc::unsupported);
    const std::string authid(user);
    const detail::c_secret pw(password.reveal());
    if (gsasl_property_set(ex->session, GSASL_AUTHID, authid.c_str()) != GSASL_OK ||
        gsasl_property_set_raw(ex->session, GSASL_PASSWORD, pw.c_str(), pw.size()) != GSASL_OK)
        return make_error_code(errc::invalid_argument);
    return std::unique_ptr<sasl_client_exchange>(new sasl_client_exchange(std::move(ex)));
}

}  // namespace mailroom::auth
