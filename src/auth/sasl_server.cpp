#include "auth/sasl_server.hpp"

#include <gsasl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "auth/encoding.hpp"
#include "auth/password.hpp"
#include "auth/wipe.hpp"
#include "common/errors.hpp"
#include "common/sasl_mechanisms.hpp"

namespace mailroom::auth {
namespace {

constexpr auto known_mechanisms = sasl_mechanism_names;  // common/sasl_mechanisms.hpp

// Read-only after sasl_context::create(), so exchanges on several
// threads share it without a lock.
struct shared_state {
    std::string dummy_hash;                    // unknown users are checked against this, so they cost the same
    std::array<unsigned char, 32> salt_key{};  // keys the made-up SCRAM salts of unknown users
    ~shared_state() { OPENSSL_cleanse(salt_key.data(), salt_key.size()); }
};

std::string_view property(Gsasl_session* s, Gsasl_property p) {
    const char* v = gsasl_property_fast(s, p);
    return v ? std::string_view(v) : std::string_view();
}

// Removes a property that may hold a password, wiping it first.
void drop_secret_property(Gsasl_session* s, Gsasl_property p) {
    if (const char* v = gsasl_property_fast(s, p)) OPENSSL_cleanse(const_cast<char*>(v), std::strlen(v));
    gsasl_property_free(s, p);
}

// Who may be authorized: nobody but oneself (by login name or address).
bool authz_ok(std::string_view authzid, std::string_view authid, std::string_view address) {
    return authzid.empty() || authzid == authid || authzid == address;
}

}  // namespace

struct sasl_context::impl {
    Gsasl* ctx = nullptr;
    shared_state shared;
    ~impl() {
        if (ctx) gsasl_done(ctx);
    }
    static int callback(Gsasl* ctx, Gsasl_session* sctx, Gsasl_property prop);
};

// All per-attempt state lives here, reached from the GNU SASL callback
// through the session hook: nothing mutable is shared between exchanges.
struct sasl_exchange::impl {
    const shared_state* shared = nullptr;  // the context's; it outlives its exchanges
    Gsasl_session* session = nullptr;
    std::string mechanism;
    credential_lookup lookup;
    bool temporary_failure = false;     // the lookup failed for a reason other than "no such user"
    std::optional<lookup_result> user;  // the looked-up authentication identity
    std::string verified_user;          // set by VALIDATE_SIMPLE on success
    bool finished = false;              // success or failure was returned: no more steps

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() {
        if (!session) return;
        drop_secret_property(session, GSASL_PASSWORD);
        gsasl_finish(session);
    }

    // Looks up the authentication identity once per exchange.
    const lookup_result* find(std::string_view authid) {
        if (looked_up && looked_up_as == authid) return user ? &*user : nullptr;
        looked_up = true;
        looked_up_as = std::string(authid);
        user.reset();
        auto r = lookup(authid);
        if (!r) {
            if (r.error() != errc::not_found) temporary_failure = true;
            return nullptr;
        }
        user = std::move(*r);
        return &*user;
    }

    int handle(Gsasl_property prop);
    int validate_simple(std::string_view authid);
    int scram_property(Gsasl_property prop, std::string_view authid);
    std::string fake_salt(std::string_view authid) const;
    // One gsasl_step on base64 input (nullptr: no input).
    sasl_step run(const char* b64, std::size_t b64_len);

private:
    bool looked_up = false;
    std::string looked_up_as;
};

int sasl_context::impl::callback(Gsasl*, Gsasl_session* sctx, Gsasl_property prop) {
    auto* ex = sctx ? static_cast<sasl_exchange::impl*>(gsasl_session_hook_get(sctx)) : nullptr;
    return ex ? ex->handle(prop) : GSASL_NO_CALLBACK;
}

int sasl_exchange::impl::handle(Gsasl_property prop) {
    const auto authid = property(session, GSASL_AUTHID);
    switch (prop) {
        case GSASL_VALIDATE_SIMPLE: return validate_simple(authid);  // PLAIN, LOGIN
        case GSASL_PASSWORD: {
            // Only CRAM-MD5 may see the plaintext-equivalent secret, and only
            // for users who opted in (--legacy-auth). SCRAM must use its keys,
            // PLAIN and LOGIN never get here (VALIDATE_SIMPLE answers).
            if (mechanism != "CRAM-MD5") return GSASL_NO_CALLBACK;
            const auto* u = find(authid);
            if (!u || !u->cred.legacy_secret) return GSASL_NO_CALLBACK;
            const auto pw = u->cred.legacy_secret->reveal();
            return gsasl_property_set_raw(session, GSASL_PASSWORD, pw.data(), pw.size());
        }
        case GSASL_SCRAM_ITER:
        case GSASL_SCRAM_SALT:
        case GSASL_SCRAM_STOREDKEY:
        case GSASL_SCRAM_SERVERKEY: return scram_property(prop, authid);
        default: return GSASL_NO_CALLBACK;
    }
}

int sasl_exchange::impl::validate_simple(std::string_view authid) {
    // GNU SASL has SASLprep'd the password; take it and wipe its copy.
    const secret password(property(session, GSASL_PASSWORD));
    drop_secret_property(session, GSASL_PASSWORD);
    const auto* u = find(authid);
    // Unknown users pay for a hash too, so timing tells nothing.
    const bool password_ok = verify_password(password, u ? u->cred.password_hash : shared->dummy_hash);
    if (!u || !password_ok) return GSASL_AUTHENTICATION_ERROR;
    // PLAIN sets AUTHZID to the authid when the client sent none.
    if (!authz_ok(property(session, GSASL_AUTHZID), authid, u->address)) return GSASL_AUTHENTICATION_ERROR;
    verified_user = u->address;
    return GSASL_OK;
}

int sasl_exchange::impl::scram_property(Gsasl_property prop, std::string_view authid) {
    const auto* u = find(authid);
    const scram_keys* k = nullptr;
    if (u) k = mechanism == "SCRAM-SHA-1" ? &u->cred.scram_sha1 : &u->cred.scram_sha256;
    if (!k || k->empty()) {
        // Unknown user (or no keys): the exchange runs to the proof and
        // fails there (no keys, and GSASL_PASSWORD is refused for SCRAM).
        // A stable made-up salt keeps the server-first message from
        // telling unknown users apart.
        if (prop == GSASL_SCRAM_SALT) return gsasl_property_set(session, prop, fake_salt(authid).c_str());
        return GSASL_NO_CALLBACK;  // ITER: GNU SASL's default 4096, as ours
    }
    // GNU SASL 2.2 takes the salt and, despite gsasl.h's "hex", both keys in
    // base64 (its manual; lib/scram/server.c base64-decodes them). We store
    // the keys hex (auth/credentials.hpp) and convert here.
    std::string value;
    switch (prop) {
        case GSASL_SCRAM_ITER: value = std::to_string(k->iterations); break;
        case GSASL_SCRAM_SALT: value = k->salt_b64; break;
        case GSASL_SCRAM_STOREDKEY: value = detail::hex_to_base64(k->stored_key_hex); break;
        default: value = detail::hex_to_base64(k->server_key_hex); break;
    }
    if (value.empty()) return GSASL_NO_CALLBACK;
    const int rc = gsasl_property_set(session, prop, value.c_str());
    OPENSSL_cleanse(value.data(), value.size());
    return rc;
}

std::string sasl_exchange::impl::fake_salt(std::string_view authid) const {
    const std::string msg = mechanism + '\0' + std::string(authid);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), shared->salt_key.data(), static_cast<int>(shared->salt_key.size()),
              reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac.data(), &mac_len) ||
        mac_len < 16)
        return "AAAAAAAAAAAAAAAAAAAAAA==";
    return detail::to_base64(mac.data(), 16);  // as long as a real salt (16 bytes)
}

sasl_step sasl_exchange::impl::run(const char* b64, std::size_t b64_len) {
    sasl_step step;
    if (finished) return step;  // failure
    // Decode here rather than in gsasl_step64, so the client's response
    // (a password, for PLAIN and LOGIN) is wiped, not just freed.
    char* in = nullptr;
    std::size_t in_len = 0;
    int rc = GSASL_OK;
    if (b64 && gsasl_base64_from(b64, b64_len, &in, &in_len) != GSASL_OK) rc = GSASL_BASE64_ERROR;
    char* out = nullptr;
    std::size_t out_len = 0;
    if (rc == GSASL_OK) rc = gsasl_step(session, in, in_len, &out, &out_len);
    detail::wipe_and_gsasl_free(in, in_len);
    // CRAM-MD5's legacy secret must not stay in the session either.
    drop_secret_property(session, GSASL_PASSWORD);

    if (rc == GSASL_OK || rc == GSASL_NEEDS_MORE) {
        char* out_b64 = nullptr;
        if (gsasl_base64_to(out, out_len, &out_b64, nullptr) == GSASL_OK && out_b64) step.data_b64 = out_b64;
        else rc = GSASL_MALLOC_ERROR;
        gsasl_free(out_b64);
    }
    gsasl_free(out);

    if (rc == GSASL_NEEDS_MORE) {
        step.what = sasl_step::outcome::challenge;
        return step;
    }
    finished = true;
    if (rc == GSASL_OK) {
        // Who was authenticated: VALIDATE_SIMPLE says so for PLAIN/LOGIN;
        // for CRAM-MD5 and SCRAM it is the identity whose secrets passed.
        const auto authid = property(session, GSASL_AUTHID);
        std::string who = verified_user;
        if (who.empty() && user && looked_up && looked_up_as == authid) who = user->address;
        if (!who.empty() && authz_ok(property(session, GSASL_AUTHZID), authid, who)) {
            step.what = sasl_step::outcome::success;
            step.user = std::move(who);
            return step;
        }
    }
    step.data_b64.clear();
    step.what = temporary_failure ? sasl_step::outcome::temporary_failure : sasl_step::outcome::failure;
    return step;
}

sasl_exchange::sasl_exchange(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_exchange::~sasl_exchange() = default;

sasl_step sasl_exchange::start(const std::optional<std::string>& initial_response_b64) {
    if (!initial_response_b64) {
        // No initial response: the mechanism's first challenge (empty for
        // PLAIN and SCRAM, "User Name" for LOGIN, the CRAM-MD5 challenge).
        return impl_->run(nullptr, 0);
    }
    if (impl_->mechanism == "LOGIN" && !initial_response_b64->empty()) {
        // LOGIN's optional initial response is the user name, but GNU SASL's
        // LOGIN server ignores input to its first step: ask its first
        // question, then answer it.
        auto first = impl_->run(nullptr, 0);
        if (first.what != sasl_step::outcome::challenge) return first;
    }
    return impl_->run(initial_response_b64->data(), initial_response_b64->size());
}

sasl_step sasl_exchange::step(std::string_view response_b64) {
    return impl_->run(response_b64.data(), response_b64.size());
}

sasl_context::sasl_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sasl_context::~sasl_context() = default;

result<std::unique_ptr<sasl_context>> sasl_context::create() {
    auto p = std::make_unique<impl>();
    if (gsasl_init(&p->ctx) != GSASL_OK) return make_error_code(errc::unsupported);
    gsasl_callback_set(p->ctx, &impl::callback);
    if (RAND_bytes(p->shared.salt_key.data(), static_cast<int>(p->shared.salt_key.size())) != 1)
        return make_error_code(errc::storage_failure);
    // A random password nobody knows: only its hash is kept.
    std::array<unsigned char, 18> noise{};
    if (RAND_bytes(noise.data(), static_cast<int>(noise.size())) != 1) return make_error_code(errc::storage_failure);
    auto dummy = make_credentials(secret(detail::to_base64(noise.data(), noise.size())), false);
    if (!dummy) return dummy.error();
    p->shared.dummy_hash = std::move(dummy->password_hash);
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
    if (!lookup) return make_error_code(errc::invalid_argument);
    auto ex = std::make_unique<sasl_exchange::impl>();
    ex->shared = &impl_->shared;
    ex->mechanism = mech;
    ex->lookup = std::move(lookup);
    if (gsasl_server_start(impl_->ctx, mech.c_str(), &ex->session) != GSASL_OK)
        return make_error_code(errc::unsupported);
    gsasl_session_hook_set(ex->session, ex.get());
    return std::unique_ptr<sasl_exchange>(new sasl_exchange(std::move(ex)));
}

}  // namespace mailroom::auth
