// Our SASL server against GNU SASL's client side, for every mechanism.
#include "auth/sasl_server.hpp"

#include <gsasl.h>
#include <gtest/gtest.h>

#include <map>

#include "auth/password.hpp"
#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

class SaslServer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ctx_ = sasl_context::create().value().release();
        alice_ = new credentials(make_credentials(secret(std::string_view("wonderland")), false).value());
        bob_ = new credentials(make_credentials(secret(std::string_view("tanstaaf")), true).value());
        ASSERT_EQ(gsasl_init(&client_), GSASL_OK);
    }
    static void TearDownTestSuite() {
        delete ctx_;
        delete alice_;
        delete bob_;
        gsasl_done(client_);
    }

    credential_lookup lookup(bool broken = false) {
        return [broken](std::string_view user) -> result<lookup_result> {
            if (broken) return make_error_code(errc::storage_failure);
            if (user == "alice@example.test" || user == "ALICE@example.test")
                return lookup_result{"alice@example.test", *alice_};
            if (user == "bob@example.test") return lookup_result{"bob@example.test", *bob_};
            return make_error_code(errc::not_found);
        };
    }

    struct outcome {
        sasl_step::outcome what;
        std::string user;
        int client_rc;  // the client's verdict on the server's last data
    };

    // Runs a whole exchange: GNU SASL client <-> our server.
    outcome run(const std::string& mech, const std::string& authid, const std::string& password,
                bool initial_response = true, const std::string& authzid = "", bool broken_lookup = false) {
        Gsasl_session* cs = nullptr;
        EXPECT_EQ(gsasl_client_start(client_, mech.c_str(), &cs), GSASL_OK);
        gsasl_property_set(cs, GSASL_AUTHID, authid.c_str());
        gsasl_property_set(cs, GSASL_PASSWORD, password.c_str());
        if (!authzid.empty()) gsasl_property_set(cs, GSASL_AUTHZID, authzid.c_str());
        auto ex = ctx_->begin(mech, lookup(broken_lookup)).value();

        sasl_step s;
        int crc = GSASL_NEEDS_MORE;
        char* out = nullptr;
        if (initial_response) {
            crc = gsasl_step64(cs, nullptr, &out);
            s = ex->start(std::string(out));
        } else {
            s = ex->start(std::nullopt);
        }
        gsasl_free(out);
        for (int rounds = 0; s.what == sasl_step::outcome::challenge && rounds < 10; ++rounds) {
            out = nullptr;
            crc = gsasl_step64(cs, s.data_b64.c_str(), &out);
            if (crc != GSASL_OK && crc != GSASL_NEEDS_MORE) {
                gsasl_free(out);
                break;
            }
            s = ex->step(out ? out : "");
            gsasl_free(out);
        }
        if (s.what == sasl_step::outcome::success && !s.data_b64.empty()) {
            out = nullptr;
            crc = gsasl_step64(cs, s.data_b64.c_str(), &out);  // SCRAM: verify the server signature
            gsasl_free(out);
        }
        gsasl_finish(cs);
        return {s.what, s.user, crc};
    }

    static sasl_context* ctx_;
    static credentials* alice_;
    static credentials* bob_;
    static Gsasl* client_;
};

sasl_context* SaslServer::ctx_ = nullptr;
credentials* SaslServer::alice_ = nullptr;
credentials* SaslServer::bob_ = nullptr;
Gsasl* SaslServer::client_ = nullptr;

using o = sasl_step::outcome;

TEST_F(SaslServer, SupportsAllFive) {
    EXPECT_EQ(ctx_->supported(),
              (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}));
    EXPECT_EQ(ctx_->begin("DIGEST-MD5", lookup()).error(), errc::unsupported);
    EXPECT_EQ(ctx_->begin("plain", lookup()).error(), errc::unsupported);
}

TEST_F(SaslServer, PlainWithAndWithoutInitialResponse) {
    for (bool ir : {true, false}) {
        auto r = run("PLAIN", "ALICE@example.test", "wonderland", ir);
        EXPECT_EQ(r.what, o::success) << ir;
        EXPECT_EQ(r.user, "alice@example.test");
    }
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wrong").what, o::failure);
    EXPECT_EQ(run("PLAIN", "nobody@example.test", "wonderland").what, o::failure);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", true, "bob@example.test").what, o::failure);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", true, "alice@example.test").what, o::success);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", true, "", true).what, o::temporary_failure);
}

TEST_F(SaslServer, Login) {
    auto r = run("LOGIN", "alice@example.test", "wonderland", false);
    EXPECT_EQ(r.what, o::success);
    EXPECT_EQ(r.user, "alice@example.test");
    EXPECT_EQ(run("LOGIN", "alice@example.test", "nope", false).what, o::failure);
}

TEST_F(SaslServer, CramMd5OnlyForLegacyUsers) {
    auto r = run("CRAM-MD5", "bob@example.test", "tanstaaf", false);
    EXPECT_EQ(r.what, o::success);
    EXPECT_EQ(r.user, "bob@example.test");
    EXPECT_EQ(run("CRAM-MD5", "bob@example.test", "wrong", false).what, o::failure);
    EXPECT_EQ(run("CRAM-MD5", "alice@example.test", "wonderland", false).what, o::failure);
    EXPECT_EQ(run("CRAM-MD5", "nobody@example.test", "x", false).what, o::failure);
}

TEST_F(SaslServer, ScramBothHashesWithServerSignature) {
    for (const char* mech : {"SCRAM-SHA-1", "SCRAM-SHA-256"}) {
        for (bool ir : {true, false}) {
            auto r = run(mech, "alice@example.test", "wonderland", ir);
            EXPECT_EQ(r.what, o::success) << mech << ir;
            EXPECT_EQ(r.user, "alice@example.test");
            EXPECT_EQ(r.client_rc, GSASL_OK) << "client rejected the server signature";
        }
        EXPECT_EQ(run(mech, "alice@example.test", "wrong").what, o::failure) << mech;
        EXPECT_EQ(run(mech, "nobody@example.test", "wonderland").what, o::failure) << mech;
        EXPECT_EQ(run(mech, "bob@example.test", "tanstaaf").what, o::success) << mech;
    }
}

TEST_F(SaslServer, GarbageIsAFailureNotACrash) {
    for (const char* mech : {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
        auto ex = ctx_->begin(mech, lookup()).value();
        auto s = ex->start(std::string("!!!not base64!!!"));
        for (int i = 0; i < 5 && s.what == o::challenge; ++i) s = ex->step("%%%");
        EXPECT_EQ(s.what, o::failure) << mech;
    }
    auto ex = ctx_->begin("SCRAM-SHA-256", lookup()).value();
    EXPECT_EQ(ex->start(std::string("eCx5LHo=")).what, o::failure);  // "x,y,z"
}

}  // namespace
}  // namespace mailroom::auth
