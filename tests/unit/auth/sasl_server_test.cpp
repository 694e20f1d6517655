// Our SASL server against GNU SASL's client side, for every mechanism.
#include "auth/sasl_server.hpp"

#include <gsasl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "auth/password.hpp"
#include "common/errors.hpp"

namespace mailroom::auth {
namespace {

using o = sasl_step::outcome;

struct outcome {
    sasl_step::outcome what;
    std::string user;
    int client_rc;  // the client's verdict on the server's final data
    std::string first_challenge;
};

struct options {
    bool initial_response = true;
    std::string authzid;
    errc lookup_failure = errc::ok;
    Gsasl* client = nullptr;
    options& initial(bool ir) {
        initial_response = ir;
        return *this;
    }
    options& authorize(std::string z) {
        authzid = std::move(z);
        return *this;
    }
    options& failing(errc e) {
        lookup_failure = e;
        return *this;
    }
    options& on(Gsasl* c) {
        client = c;
        return *this;
    }
};

class auth_sasl_server : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ctx_ = sasl_context::create().value().release();
        alice_ = new credentials(make_credentials(secret(std::string_view("wonderland")), false).value());
        bob_ = new credentials(make_credentials(secret(std::string_view("tanstaaf")), true).value());
        carol_ = new credentials(make_credentials(secret(std::string_view("I\xC2\xADX")), false).value());
        ASSERT_EQ(gsasl_init(&client_), GSASL_OK);
    }
    static void TearDownTestSuite() {
        delete ctx_;
        delete alice_;
        delete bob_;
        delete carol_;
        gsasl_done(client_);
    }

    // Users log in by any case of their local part; the address is canonical.
    static credential_lookup lookup(errc failure = errc::ok, int* calls = nullptr) {
        return [failure, calls](std::string_view user) -> result<lookup_result> {
            if (calls) ++*calls;
            if (failure != errc::ok) return make_error_code(failure);
            if (user == "alice@example.test" || user == "ALICE@example.test")
                return lookup_result{"alice@example.test", *alice_};
            if (user == "bob@example.test") return lookup_result{"bob@example.test", *bob_};
            if (user == "carol@example.test") return lookup_result{"carol@example.test", *carol_};
            return make_error_code(errc::not_found);
        };
    }

    // Runs a whole exchange: GNU SASL client <-> our server.
    static outcome run(const std::string& mech, const std::string& authid, const std::string& password,
                       const options& opt = options()) {
        Gsasl_session* cs = nullptr;
        EXPECT_EQ(gsasl_client_start(opt.client ? opt.client : client_, mech.c_str(), &cs), GSASL_OK);
        gsasl_property_set(cs, GSASL_AUTHID, authid.c_str());
        gsasl_property_set(cs, GSASL_PASSWORD, password.c_str());
        if (!opt.authzid.empty()) gsasl_property_set(cs, GSASL_AUTHZID, opt.authzid.c_str());
        auto ex = ctx_->begin(mech, lookup(opt.lookup_failure)).value();

        outcome r{};
        sasl_step s;
        int crc = GSASL_NEEDS_MORE;
        char* out = nullptr;
        if (opt.initial_response) {
            crc = gsasl_step64(cs, nullptr, &out);
            s = ex->start(std::string(out ? out : ""));
        } else {
            s = ex->start(std::nullopt);
        }
        gsasl_free(out);
        if (s.what == o::challenge) r.first_challenge = s.data_b64;
        for (int rounds = 0; s.what == o::challenge && rounds < 10; ++rounds) {
            out = nullptr;
            crc = gsasl_step64(cs, s.data_b64.c_str(), &out);
            if (crc != GSASL_OK && crc != GSASL_NEEDS_MORE) {
                gsasl_free(out);
                break;
            }
            s = ex->step(out ? out : "");
            gsasl_free(out);
        }
        if (s.what == o::success && !s.data_b64.empty()) {
            out = nullptr;
            crc = gsasl_step64(cs, s.data_b64.c_str(), &out);  // SCRAM: the client checks the server signature
            gsasl_free(out);
        }
        gsasl_finish(cs);
        r.what = s.what;
        r.user = s.user;
        r.client_rc = crc;
        return r;
    }

    static sasl_context* ctx_;
    static credentials* alice_;
    static credentials* bob_;
    static credentials* carol_;
    static Gsasl* client_;
};

sasl_context* auth_sasl_server::ctx_ = nullptr;
credentials* auth_sasl_server::alice_ = nullptr;
credentials* auth_sasl_server::bob_ = nullptr;
credentials* auth_sasl_server::carol_ = nullptr;
Gsasl* auth_sasl_server::client_ = nullptr;

TEST_F(auth_sasl_server, SupportsAllFive) {
    EXPECT_EQ(ctx_->supported(),
              (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}));
    EXPECT_EQ(ctx_->begin("DIGEST-MD5", lookup()).error(), errc::unsupported);
    EXPECT_EQ(ctx_->begin("SCRAM-SHA-1-PLUS", lookup()).error(), errc::unsupported);
    EXPECT_EQ(ctx_->begin("plain", lookup()).error(), errc::unsupported);
    EXPECT_EQ(ctx_->begin("", lookup()).error(), errc::unsupported);
}

TEST_F(auth_sasl_server, PlainWithAndWithoutInitialResponse) {
    for (bool ir : {true, false}) {
        auto r = run("PLAIN", "ALICE@example.test", "wonderland", options().initial(ir));
        EXPECT_EQ(r.what, o::success) << ir;
        EXPECT_EQ(r.user, "alice@example.test");
        if (!ir) {
            EXPECT_EQ(r.first_challenge, "");
        }
    }
}

TEST_F(auth_sasl_server, PlainFailures) {
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wrong").what, o::failure);
    EXPECT_EQ(run("PLAIN", "nobody@example.test", "wonderland").what, o::failure);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", options().authorize("bob@example.test")).what,
              o::failure);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", options().authorize("alice@example.test")).what,
              o::success);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", options().failing(errc::storage_failure)).what,
              o::temporary_failure);
    EXPECT_EQ(run("PLAIN", "alice@example.test", "wonderland", options().failing(errc::corrupt_data)).what,
              o::temporary_failure);
}

TEST_F(auth_sasl_server, PlainTakesSaslprepEquivalentPasswords) {
    EXPECT_EQ(run("PLAIN", "carol@example.test", "IX").what, o::success);
    EXPECT_EQ(run("PLAIN", "carol@example.test", "I\xC2\xADX").what, o::success);
    EXPECT_EQ(run("SCRAM-SHA-256", "carol@example.test", "IX").what, o::success);
}

TEST_F(auth_sasl_server, Login) {
    for (bool ir : {false, true}) {  // with an initial response, it is the user name
        auto r = run("LOGIN", "alice@example.test", "wonderland", options().initial(ir));
        EXPECT_EQ(r.what, o::success) << ir;
        EXPECT_EQ(r.user, "alice@example.test");
    }
    EXPECT_EQ(run("LOGIN", "alice@example.test", "nope", options().initial(false)).what, o::failure);
    EXPECT_EQ(run("LOGIN", "nobody@example.test", "wonderland", options().initial(false)).what, o::failure);
    EXPECT_EQ(run("LOGIN", "alice@example.test", "wonderland", options().initial(false).failing(errc::storage_failure))
                  .what,
              o::temporary_failure);
}

TEST_F(auth_sasl_server, CramMd5OnlyForLegacyUsers) {
    auto r = run("CRAM-MD5", "bob@example.test", "tanstaaf", options().initial(false));
    EXPECT_EQ(r.what, o::success);
    EXPECT_EQ(r.user, "bob@example.test");
    EXPECT_FALSE(r.first_challenge.empty());
    EXPECT_EQ(run("CRAM-MD5", "bob@example.test", "wrong", options().initial(false)).what, o::failure);
    EXPECT_EQ(run("CRAM-MD5", "alice@example.test", "wonderland", options().initial(false)).what, o::failure);
    EXPECT_EQ(run("CRAM-MD5", "nobody@example.test", "x", options().initial(false)).what, o::failure);
    EXPECT_EQ(run("CRAM-MD5", "bob@example.test", "tanstaaf", options().initial(false).failing(errc::storage_failure))
                  .what,
              o::temporary_failure);
}

TEST_F(auth_sasl_server, ScramBothHashesWithServerSignature) {
    for (const char* mech : {"SCRAM-SHA-1", "SCRAM-SHA-256"}) {
        for (bool ir : {true, false}) {
            auto r = run(mech, "alice@example.test", "wonderland", options().initial(ir));
            EXPECT_EQ(r.what, o::success) << mech << ir;
            EXPECT_EQ(r.user, "alice@example.test");
            EXPECT_EQ(r.client_rc, GSASL_OK) << "client rejected the server signature";
        }
        EXPECT_EQ(run(mech, "alice@example.test", "wrong").what, o::failure) << mech;
        EXPECT_EQ(run(mech, "nobody@example.test", "wonderland").what, o::failure) << mech;
        EXPECT_EQ(run(mech, "alice@example.test", "wonderland", options().authorize("bob@example.test")).what,
                  o::failure)
            << mech;
        EXPECT_EQ(run(mech, "alice@example.test", "wonderland", options().failing(errc::storage_failure)).what,
                  o::temporary_failure)
            << mech;
        auto legacy = run(mech, "bob@example.test", "tanstaaf");
        EXPECT_EQ(legacy.what, o::success) << mech;
        EXPECT_EQ(legacy.client_rc, GSASL_OK) << mech;
    }
}

// The server-first message (salt) must not tell unknown users from known ones.
TEST_F(auth_sasl_server, ScramUnknownUserGetsAStableSalt) {
    auto server_first = [](const std::string& user) {
        auto ex = ctx_->begin("SCRAM-SHA-256", lookup()).value();
        const std::string client_first = "n,,n=" + user + ",r=abcdefghijklmnop";
        char* b64 = nullptr;
        EXPECT_EQ(gsasl_base64_to(client_first.data(), client_first.size(), &b64, nullptr), GSASL_OK);
        auto s = ex->start(std::string(b64));
        gsasl_free(b64);
        EXPECT_EQ(s.what, o::challenge);
        char* raw = nullptr;
        size_t len = 0;
        EXPECT_EQ(gsasl_base64_from(s.data_b64.data(), s.data_b64.size(), &raw, &len), GSASL_OK);
        std::string msg(raw, len);
        gsasl_free(raw);
        const auto s_at = msg.find(",s="), i_at = msg.find(",i=");
        EXPECT_NE(s_at, std::string::npos);
        return msg.substr(s_at + 3, i_at - s_at - 3) + msg.substr(i_at);  // salt + iterations
    };
    const auto ghost1 = server_first("ghost@example.test");
    EXPECT_EQ(ghost1, server_first("ghost@example.test"));
    EXPECT_NE(ghost1, server_first("phantom@example.test"));
    EXPECT_EQ(server_first("alice@example.test"), alice_->scram_sha256.salt_b64 + ",i=4096");
    EXPECT_EQ(ghost1.size(), alice_->scram_sha256.salt_b64.size() + 7);
}

TEST_F(auth_sasl_server, GarbageIsAFailureNotACrash) {
    for (const char* mech : {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
        auto ex = ctx_->begin(mech, lookup()).value();
        auto s = ex->start(std::string("!!!not base64!!!"));
        for (int i = 0; i < 5 && s.what == o::challenge; ++i) s = ex->step("%%%");
        EXPECT_EQ(s.what, o::failure) << mech;
        EXPECT_TRUE(s.user.empty());
        EXPECT_EQ(ex->step("AAAA").what, o::failure) << mech;  // and stays failed
        EXPECT_EQ(ex->step("").what, o::failure) << mech;
    }
    {
        auto ex = ctx_->begin("SCRAM-SHA-256", lookup()).value();
        EXPECT_EQ(ex->start(std::string("eCx5LHo=")).what, o::failure);  // "x,y,z"
    }
    {
        auto ex = ctx_->begin("PLAIN", lookup()).value();
        EXPECT_EQ(ex->start(std::string("AGFsaWNl")).what, o::failure);  // "\0alice": no password field
    }
}

// An unknown user costs a password hash too (the dummy), like a wrong password.
TEST_F(auth_sasl_server, UnknownUserTakesAsLongAsWrongPassword) {
    auto median_ms = [](const std::string& user) {
        std::vector<double> ms;
        for (int i = 0; i < 3; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            EXPECT_EQ(run("PLAIN", user, "wrong").what, o::failure);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        return ms[1];
    };
    const double known = median_ms("alice@example.test"), unknown = median_ms("nobody@example.test");
    EXPECT_GT(unknown, known / 3) << "unknown " << unknown << " ms, known " << known << " ms";
}

TEST_F(auth_sasl_server, LookupRunsOncePerExchange) {
    int calls = 0;
    auto ex = ctx_->begin("PLAIN", lookup(errc::ok, &calls)).value();
    // "\0alice@example.test\0wonderland"
    auto s = ex->start(std::string("AGFsaWNlQGV4YW1wbGUudGVzdAB3b25kZXJsYW5k"));
    EXPECT_EQ(s.what, o::success);
    EXPECT_EQ(s.user, "alice@example.test");
    EXPECT_EQ(calls, 1);
}

// Exchanges on several threads at once share only the context.
TEST_F(auth_sasl_server, ConcurrentExchanges) {
    std::atomic<int> good{0}, bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            Gsasl* client = nullptr;
            if (gsasl_init(&client) != GSASL_OK) return;
            for (int i = 0; i < 3; ++i) {
                const bool right = (t + i) % 2 == 0;
                const char* mech = i == 0 ? "PLAIN" : i == 1 ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
                auto r = run(mech, "alice@example.test", right ? "wonderland" : "wrong", options().on(client));
                const bool ok = right ? r.what == o::success && r.user == "alice@example.test" : r.what == o::failure;
                ++(ok ? good : bad);
            }
            gsasl_done(client);
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), 12);
    EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace mailroom::auth
