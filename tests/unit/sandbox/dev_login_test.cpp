// sandbox::any_login and the option helpers of `mailroom dev` (dev_settings.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sandbox/any_login.hpp"
#include "sandbox/dev_settings.hpp"

namespace mailroom::sandbox {
namespace {

using outcome = auth::sasl_step::outcome;

struct fixed_random final : random_source {
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = 7;
    }
};

TEST(AnyLogin, EveryPasswordAndApopDigestIsAcceptedForAValidName) {
    fixed_random rnd;
    any_login p(rnd, "dev.test");
    auto v = p.check(pop3::password_login{"Bob@One.Test", secret(std::string_view("whatever"))});
    EXPECT_EQ(v.status, pop3::login_status::ok);
    EXPECT_EQ(v.user, "bob@one.test");
    EXPECT_EQ(p.check(pop3::apop_login{"carol", "<1@x>", std::string(32, 'a')}).user, "carol@localhost");
    EXPECT_EQ(p.check(pop3::password_login{"../etc@x", secret(std::string_view("p"))}).status,
              pop3::login_status::bad_credentials);
}

TEST(AnyLogin, SaslPlainLoginAndCramMd5) {
    fixed_random rnd;
    any_login p(rnd, "dev.test");
    auto plain = p.begin("plain");
    ASSERT_TRUE(plain);
    auto s = plain->start(encode_base64(std::string("\0ann@a.test\0pw", 14)));
    EXPECT_EQ(s.what, outcome::success);
    EXPECT_EQ(s.user, "ann@a.test");
    EXPECT_EQ(p.begin("PLAIN")->start(encode_base64("no-nul")).what, outcome::failure);
    EXPECT_EQ(p.begin("PLAIN")->start(std::string("!!!!")).what, outcome::failure);

    auto login = p.begin("LOGIN");
    s = login->start(std::nullopt);
    EXPECT_EQ(s.what, outcome::challenge);
    EXPECT_EQ(decode_base64(s.data_b64), "Username:");
    EXPECT_EQ(login->step(encode_base64("dan@d.test")).what, outcome::challenge);
    s = login->step(encode_base64("anything"));
    EXPECT_EQ(s.what, outcome::success);
    EXPECT_EQ(s.user, "dan@d.test");

    auto cram = p.begin("CRAM-MD5");
    s = cram->start(std::nullopt);
    ASSERT_EQ(s.what, outcome::challenge);
    EXPECT_NE(decode_base64(s.data_b64)->find("@dev.test>"), std::string::npos);
    s = cram->step(encode_base64("eve@e.test " + std::string(32, 'f')));
    EXPECT_EQ(s.user, "eve@e.test");
    EXPECT_EQ(p.begin("CRAM-MD5")->step(encode_base64("eve@e.test short")).what, outcome::failure);
    EXPECT_EQ(p.begin("SCRAM-SHA-256"), nullptr);
}

TEST(DevBase64, RoundTripsAndRefusesMalformed) {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
        EXPECT_EQ(decode_base64(encode_base64(s)), s);
    EXPECT_FALSE(decode_base64("abc"));
    EXPECT_FALSE(decode_base64("a=bc"));
    EXPECT_FALSE(decode_base64("ab=c"));
}

TEST(DevOptions, PortBaseAndHttp) {
    config::settings s = config::embedded_defaults();
    dev_options o;
    o.port_base = 10000;
    ASSERT_EQ(apply_dev_options(s, o, "/tmp/x", true), "");
    for (const auto& l : s.listeners) {
        EXPECT_TRUE(l.plaintext_auth) << l.name;
        EXPECT_EQ(std::count(l.mechanisms.begin(), l.mechanisms.end(), "SCRAM-SHA-256"), 0);
        if (l.name == "submission") {
            EXPECT_EQ(l.port, 10587);
        }
        if (l.name == "imaps") {
            EXPECT_EQ(l.port, 10993);
        }
    }
    EXPECT_EQ(s.http.port, 18025);
    s = config::embedded_defaults();
    o.port_base = 0;
    ASSERT_EQ(apply_dev_options(s, o, "/tmp/x", false), "");
    for (const auto& l : s.listeners) EXPECT_EQ(l.port, 0) << l.name;
    o.port_base = max_port_base + 1;
    EXPECT_NE(apply_dev_options(s, o, "/tmp/x", true), "");

    std::string err;
    auto ep = parse_http_option("[::1]:8080", err);
    ASSERT_TRUE(ep);
    EXPECT_TRUE(ep->loopback);
    ep = parse_http_option("0.0.0.0:0", err);
    ASSERT_TRUE(ep);
    EXPECT_FALSE(ep->loopback);
    EXPECT_FALSE(parse_http_option("localhost:80", err));
    EXPECT_FALSE(parse_http_option("127.0.0.1:99999", err));
}

TEST(DevOptions, UsersFile) {
    auto f = parse_users_file("# c\n\nann@a.test  pass word \nBob@B.test x\n");
    ASSERT_TRUE(f.errors.empty());
    ASSERT_EQ(f.users.size(), 2u);
    EXPECT_EQ(f.users[0].second, "pass word");
    EXPECT_EQ(f.users[1].first, "bob@b.test");
    f = parse_users_file("ann@a.test x\nnot-an-address y\nann@a.test z\nlonely\n");
    EXPECT_TRUE(f.users.empty());
    ASSERT_EQ(f.errors.size(), 3u);
    EXPECT_EQ(f.errors[0].rfind("line 2:", 0), 0u);
}

TEST(DevOptions, JsonLine) {
    EXPECT_EQ(ports_json_line({{"smtp", 2525}, {"pop3", 1110}}, "http://127.0.0.1:8025", "/d", ""),
              R"({"smtp":2525,"pop3":1110,"http":"http://127.0.0.1:8025","data_dir":"/d"})");
}

}  // namespace
}  // namespace mailroom::sandbox
