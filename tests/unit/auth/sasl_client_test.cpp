// Our SASL client against our SASL server, in memory, for every mechanism:
// right and wrong passwords, and a SCRAM server-final that was tampered with.
#include "auth/sasl_client.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "auth/password.hpp"
#include "auth/sasl_server.hpp"
#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

enum class verdict { success, refused_by_server, refused_by_client };

// Alters the server's data (base64) before the client sees it; identity by default.
using tamper_fn = std::function<std::string(const std::string&)>;

class auth_sasl_client : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = sasl_context::create().value().release();
        client_ = sasl_client_context::create().value().release();
        // legacy = true keeps the CRAM-MD5 secret as well as the SCRAM keys.
        alice_ = new credentials(make_credentials(secret(std::string_view("wonderland")), true).value());
    }
    static void TearDownTestSuite() {
        delete server_;
        delete client_;
        delete alice_;
    }

    static credential_lookup lookup() {
        return [](std::string_view user) -> result<lookup_result> {
            if (user == "alice@example.test") return lookup_result{"alice@example.test", *alice_};
            return make_error_code(errc::not_found);
        };
    }

    // Runs AUTH as an SMTP client would: initial response if any, then
    // challenge/response until the server decides (bounded steps).
    static verdict run(const std::string& mech, const std::string& password, const tamper_fn& tamper = {},
                       bool* client_complete = nullptr) {
        auto cx = client_->begin(mech, "alice@example.test", secret(std::string_view(password))).value();
        auto sx = server_->begin(mech, lookup()).value();
        auto ir = cx->initial();
        EXPECT_TRUE(ir.has_value());
        sasl_step s = ir->has_value() ? sx->start(std::string((*ir)->reveal())) : sx->start(std::nullopt);
        for (int i = 0; i < 10; ++i) {
            if (s.what == sasl_step::outcome::success) {
                // RFC 4954 §4: final server data may come with 235; the
                // client must still check it (SCRAM's server signature).
                if (!cx->complete()) {
                    auto last = cx->step(tamper ? tamper(s.data_b64) : s.data_b64);
                    if (!last) return verdict::refused_by_client;
                }
                if (client_complete) *client_complete = cx->complete();
                return verdict::success;
            }
            if (s.what != sasl_step::outcome::challenge) return verdict::refused_by_server;
            auto resp = cx->step(tamper ? tamper(s.data_b64) : s.data_b64);
            if (!resp) return verdict::refused_by_client;
            s = sx->step(std::string(resp->reveal()));
        }
        ADD_FAILURE() << "exchange did not finish";
        return verdict::refused_by_server;
    }

    static inline sasl_context* server_ = nullptr;
    static inline sasl_client_context* client_ = nullptr;
    static inline credentials* alice_ = nullptr;
};

class every_mechanism : public auth_sasl_client, public ::testing::WithParamInterface<const char*> {};

TEST_P(every_mechanism, right_password_succeeds_and_client_completes) {
    bool complete = false;
    EXPECT_EQ(run(GetParam(), "wonderland", {}, &complete), verdict::success);
    EXPECT_TRUE(complete);
}

TEST_P(every_mechanism, wrong_password_is_refused) { EXPECT_NE(run(GetParam(), "looking-glass"), verdict::success); }

INSTANTIATE_TEST_SUITE_P(all, every_mechanism,
                         ::testing::Values("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"));

// Flips one character of the server signature in SCRAM's server-final
// message ("v=<base64>"); the client must refuse it.
std::string tamper_server_final(const std::string& b64) {
    // Work on the base64 text: server-final is the only server message
    // that decodes to "v=...", whose base64 starts with "dj" (server-first
    // "r=..." starts with "cj"). Character 5 lies inside the signature.
    if (b64.rfind("dj", 0) != 0) return b64;
    std::string t = b64;
    t[5] = t[5] == 'A' ? 'B' : 'A';
    return t;
}

class scram : public auth_sasl_client, public ::testing::WithParamInterface<const char*> {};

TEST_P(scram, tampered_server_signature_is_refused_by_the_client) {
    int seen = 0;
    auto tamper = [&seen](const std::string& b64) {
        auto t = tamper_server_final(b64);
        if (t != b64) ++seen;
        return t;
    };
    EXPECT_EQ(run(GetParam(), "wonderland", tamper), verdict::refused_by_client);
    EXPECT_EQ(seen, 1);  // the tamper really hit the server-final
}

INSTANTIATE_TEST_SUITE_P(all, scram, ::testing::Values("SCRAM-SHA-1", "SCRAM-SHA-256"));

TEST_F(auth_sasl_client, choose_takes_our_first_preference_the_server_offers) {
    const std::vector<std::string> pref{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "CRAM-MD5"};
    EXPECT_EQ(client_->choose(pref, {"login", "PLAIN", "CRAM-MD5"}), "PLAIN");
    EXPECT_EQ(client_->choose(pref, {"CRAM-MD5", "SCRAM-SHA-256"}), "SCRAM-SHA-256");
    EXPECT_EQ(client_->choose(pref, {"GSSAPI", "XOAUTH2"}), std::nullopt);
    EXPECT_EQ(client_->choose({"PLAIN"}, {"LOGIN"}), std::nullopt);
}

TEST_F(auth_sasl_client, unknown_mechanism_is_unsupported) {
    auto r = client_->begin("GSSAPI", "alice@example.test", secret(std::string_view("x")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::unsupported);
}

TEST_F(auth_sasl_client, malformed_challenge_fails_cleanly) {
    auto cx = client_->begin("SCRAM-SHA-256", "alice@example.test", secret(std::string_view("w"))).value();
    ASSERT_TRUE(cx->initial());
    EXPECT_FALSE(cx->step("!!not base64!!"));
    EXPECT_FALSE(cx->step("cj1ub25jZQ=="));  // after a failure, nothing more
}

}  // namespace
}  // namespace mailroom::auth
