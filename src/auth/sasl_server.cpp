#include "auth/sasl_server.hpp"

#include <gsasl.h>

#include <algorithm>
#include <array>

#include "auth/password.hpp"
#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

constexpr std::array<std::string_view, 5> known_mechanisms{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1",
                                                           "SCRAM-SHA-256"};

struct gsasl_string {
    char* p = nullptr;
    ~gsasl_string() { gsasl_free(p); }
};

std::string_view property(Gsasl_session* s, Gsasl_property p) {
    const char* v = gsasl_property_fast(s, p);
    return v ? std::string_view(v) : std::string_view();
}

// Stored keys are hex (auth/credentials.hpp); "" if malformed.
std::string hex_to_base64(std::string_view hex) {
    char* raw = nullptr;
    size_t raw_len = 0;
    if (gsasl_hex_from(std::string(hex).c_str(), &raw, &raw_len) != GSASL_OK) return {};
    char* b64 = nullptr;
    const int rc = gsasl_base64_to(raw, raw_len, &b64, nullptr);
    gsasl_free(raw);
    std::string out = rc == GSASL_OK && b64 ? b64 : "";
    gsasl_free(b64);
    return out;
}

}  // namespace

struct sasl_context::impl {
    Gsasl* ctx = nullptr;
    std::string dummy_hash;  // unknown users are checked against this, so they cost the same
    ~impl() {
        if (ctx) gsasl_done(ctx);
    }
    static int callback(Gsasl* ctx, Gsasl_session* sctx, Gsasl_property prop);
};

struct sasl_exchange::impl {
    const std::string* dummy_hash = nullptr;  // the context's
    Gsasl_session* session = nullptr;
    std::string mechanism;
    credential_lookup lookup;
    bool temporary_failure = false;    // the lookup failed for a reason other than "no such user"
    std::optional<lookup_result> user; // the looked-up authentication identity
    std::string verified_user;         // set by VALIDATE_SIMPLE on success

    ~impl() {
        if (session) gsasl_finish(session);
    }

    // Looks up the authentication identity once per exchange.
    const lookup_result* find(std::string_view authid) {
        if (looked_up && looked_up_as == authid) return user ? &*user : nullptr;
        looked_up = true;
        looked_up_as = std::string(authid);
        auto r = lookup(authid);
        if (!r) {
            if (r.error() != errc::not_found) temporary_failure = true;
            user.reset();
            return nullptr;
        }
        user = std::move(*r);
        return &*user;
    }

    int handle(Gsasl_property prop);
    sasl_step finish(int rc, char* output);

private:
    bool looked_up = false;
    std::string looked_up_as;
};

int sasl_context::impl::callback(Gsasl*, Gsasl_session* sctx, Gsasl_property prop) {
    auto* ex = static_cast<sasl_exchange::impl*>(gsasl_session_hook_get(sctx));
    return ex ? ex->handle(prop) : GSASL_NO_CALLBACK;
}

int sasl_exchange::impl::handle(Gsasl_property prop) {
    const auto authid = property(session, GSASL_AUTHID);
    switch (prop) {
        case GSASL_VALIDATE_SIMPLE: {  // PLAIN, LOGIN
            const secret password(property(session, GSASL_PASSWORD));
            const auto* u = find(authid);
            // Unknown users pay for a hash too, so timing tells nothing.
            const bool ok = verify_password(password, u ? u->cred.password_hash : *dummy_hash) && u;
            if (!ok) return GSASL_AUTHENTICATION_ERROR;
            verified_user = u->address;
            return GSASL_OK;
        }
        case GSASL_PASSWORD: {
            // Only CRAM-MD5 may see the plaintext-equivalent secret, and only
            // for users who opted in (--legacy-auth). SCRAM must use its keys.
            if (mechanism != "CRAM-MD5") return GSASL_NO_CALLBACK;
            const auto* u = find(authid);
            if (!u || !u->cred.legacy_secret) return GSASL_NO_CALLBACK;
            const std::string pw(u->cred.legacy_secret->reveal());
            return gsasl_property_set(session, GSASL_PASSWORD, pw.c_str());
        }
        case GSASL_SCRAM_ITER:
        case GSASL_SCRAM_SALT:
        case GSASL_SCRAM_STOREDKEY:
        case GSASL_SCRAM_SERVERKEY: {
            const auto* u = find(authid);
            if (!u) return GSASL_NO_CALLBACK;  // GNU SASL then fails the exchange at the proof
            const auto& k = mechanism == "SCRAM-SHA-1" ? u->cred.scram_sha1 : u->cred.scram_sha256;
            if (k.empty()) return GSASL_NO_CALLBACK;
            // GNU SASL takes the salt and (despite gsasl.h's "hex") both
            // keys in base64: its SCRAM server base64-decodes them.
            const std::string value = prop == GSASL_SCRAM_ITER        ? std::to_string(k.iterations)
                                      : prop == GSASL_SCRAM_SALT      ? k.salt_b64
                                      : prop == GSASL_SCRAM_STOREDKEY ? hex_to_base64(k.stored_key_hex)
                                                                      : hex_to_base64(k.server_key_hex);
            if (value.empty()) return GSASL_NO_CALLBACK;
            return gsasl_property_set(session, prop, value.c_str());
        }
        default: return GSASL_NO_CALLBACK;
    }
}

sasl_step sasl_exchange::impl::finish(int rc, char* output) {
    gsasl_string out{output};
    sasl_step step;
    if (rc == GSASL_NEEDS_MORE) {
        step.what = sasl_step::outcome::challenge;
        step.data_b64 = out.p ? out.p : "";
        return step;
    }
    if (rc == GSASL_OK) {
        // Who was authenticated: VALIDATE_SIMPLE says so for PLAIN/LOGIN;
        // for CRAM-MD5 and SCRAM it is the identity whose secrets passed.
        std::string who = verified_user;
        if (who.empty() && user && looked_up_as == property(session, GSASL_AUTHID)) who = user->address;
        // An authorization identity other than oneself is not supported.
        const auto authzid = property(session, GSASL_AUTHZID);
        const bool authz_ok = authzid.empty() || authzid == property(session, GSASL_AUTHID) || authzid == who;
        if (!who.empty() && authz_ok) {
            step.what = sasl_step::outcome::success;
            step.data_b64 = out.p ? out.p : "";
            step.user = std::move(who);
            return step;
        }
    }
    step.what = temporary_failure ? sasl_step::outcome::temporary_failure : sasl_step::outcome::failure;
    return step;
}

sasl_exchange::sasl_exchange(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_exchange::~sasl_exchange() = default;

sasl_step sasl_exchange::start(const std::optional<std::string>& initial_response_b64) {
    char* output = nullptr;
    // No initial response: step with no input, the mechanism sends its first
    // challenge (empty for PLAIN and SCRAM, RFC 5034 §4).
    const int rc = gsasl_step64(impl_->session, initial_response_b64 ? initial_response_b64->c_str() : nullptr,
                                &output);
    return impl_->finish(rc, output);
}

sasl_step sasl_exchange::step(std::string_view response_b64) {
    char* output = nullptr;
    const std::string in(response_b64);
    const int rc = gsasl_step64(impl_->session, in.c_str(), &output);
    return impl_->finish(rc, output);
}

sasl_context::sasl_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_context::~sasl_context() = default;

result<std::unique_ptr<sasl_context>> sasl_context::create() {
    auto p = std::make_unique<impl>();
    if (gsasl_init(&p->ctx) != GSASL_OK) return make_error_code(errc::unsupported);
    gsasl_callback_set(p->ctx, &impl::callback);
    auto dummy = make_credentials(secret(std::string_view("mailroom-dummy-password")), false);
    if (!dummy) return dummy.error();
    p->dummy_hash = dummy->password_hash;
    return std::unique_ptr<sasl_context>(new sasl_context(std::move(p)));
}

std::vector<std::string> sasl_context::supported() const {
    std::vector<std::string> out;
    for (auto m : known_mechanisms)
        if (gsasl_server_support_p(impl_->ctx, std::string(m).c_str())) out.emplace_back(m);
    return out;
}

result<std::unique_ptr<sasl_exchange>> sasl_context::begin(std::string_view mechanism, credential_lookup lookup) {
    const std::string mech(mechanism);
    if (std::find(known_mechanisms.begin(), known_mechanisms.end(), mechanism) == known_mechanisms.end() ||
        !gsasl_server_support_p(impl_->ctx, mech.c_str()))
        return make_error_code(errc::unsupported);
    auto ex = std::make_unique<sasl_exchange::impl>();
    ex->dummy_hash = &impl_->dummy_hash;
    ex->mechanism = mech;
    ex->lookup = std::move(lookup);
    if (gsasl_server_start(impl_->ctx, mech.c_str(), &ex->session) != GSASL_OK)
        return make_error_code(errc::unsupported);
    gsasl_session_hook_set(ex->session, ex.get());
    return std::unique_ptr<sasl_exchange>(new sasl_exchange(std::move(ex)));
}

}  // namespace mailroom::auth
