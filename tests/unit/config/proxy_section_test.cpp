#include "config/proxy_settings.hpp"

#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace mailroom::config {
namespace {

TEST(ProxySection, ReadsEntriesWithDefaults) {
    auto r = parse(R"([[proxy]]
protocol = "pop3"
listen = "127.0.0.1:1100"
upstream = "pop.example.net"
upstream_tls = "implicit"
upstream_auth = "APOP"

[[proxy]]
name = "scanner"
protocol = "smtp"
listen = "[::1]:0"
upstream = "smtp.example.net:2587"
max_connections = 3
)",
                   "t.toml");
    ASSERT_TRUE(r.cfg) << (r.errors.empty() ? "" : r.errors[0].format());
    ASSERT_EQ(r.cfg->proxies.size(), 2u);
    const auto& a = r.cfg->proxies[0];
    EXPECT_EQ(a.name, "pop3-1100");
    EXPECT_EQ(a.upstream_port, 995);
    EXPECT_EQ(a.auth, "apop");
    EXPECT_EQ(a.idle_timeout, std::chrono::minutes(10));
    const auto& b = r.cfg->proxies[1];
    EXPECT_EQ(b.listen_address, "::1");
    EXPECT_EQ(b.listen_port, 0);
    EXPECT_EQ(b.upstream_port, 2587);
    EXPECT_EQ(b.tls, upstream_tls::starttls);
    EXPECT_EQ(b.max_connections, 3u);
}

TEST(ProxySection, RefusesWhatWouldExposeThePlaintextSide) {
    auto r = parse(R"([[proxy]]
protocol = "smtp"
listen = "0.0.0.0:25"
upstream = "smtp.example.net"
upstream_tls = "none"
upstream_user = "me"
bogus = 1
)",
                   "t.toml");
    ASSERT_FALSE(r.cfg);
    std::string all;
    for (const auto& d : r.errors) all += d.format() + "\n";
    EXPECT_NE(all.find("unknown key 'bogus'"), std::string::npos) << all;
    EXPECT_NE(all.find("not loopback"), std::string::npos) << all;
    EXPECT_NE(all.find("TLS only"), std::string::npos) << all;
    EXPECT_NE(all.find("needs a password file"), std::string::npos) << all;
}

TEST(ProxyEntry, LoopbackAndListenParsing) {
    EXPECT_TRUE(is_loopback_literal("127.0.0.1"));
    EXPECT_TRUE(is_loopback_literal("127.8.9.10"));
    EXPECT_TRUE(is_loopback_literal("::1"));
    EXPECT_FALSE(is_loopback_literal("0.0.0.0"));
    EXPECT_FALSE(is_loopback_literal("::"));
    EXPECT_FALSE(is_loopback_literal("localhost"));
    EXPECT_EQ(parse_listen("localhost:0")->address, "127.0.0.1");
    EXPECT_EQ(parse_listen("[::1]:110")->port, 110);
    EXPECT_FALSE(parse_listen("127.0.0.1"));
    EXPECT_FALSE(parse_listen("host.example:25"));
    EXPECT_FALSE(parse_listen("127.0.0.1:70000"));
}

}  // namespace
}  // namespace mailroom::config
