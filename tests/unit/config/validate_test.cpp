// config::detail value rules, as tables: host names, address literals,
// listener names, enumerations, mechanisms, colliding endpoints.
#include "config/validate.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace mailroom::config::detail {
namespace {

TEST(config_validate, host_names) {
    const std::string long_label(63, 'a');
    const std::string too_long_label(64, 'a');
    std::string name_253;
    while (name_253.size() + 2 <= 253) name_253 += "a.";
    name_253 += "b";
    struct c {
        std::string name;
        bool ok;
    };
    const c cases[] = {
        {"localhost", true},
        {"a", true},
        {"mail.example.test", true},
        {"MAIL.Example.TEST", true},
        {"xn--bcher-kva.example", true},
        {"a-b.c-d", true},
        {"1.example", true},
        {"123abc", true},
        {long_label + ".test", true},
        {name_253, true},
        {name_253 + "c", false},  // 254 characters
        {too_long_label + ".test", false},
        {"", false},
        {".", false},
        {"example.", false},
        {".example", false},
        {"a..b", false},
        {"-a.test", false},
        {"a-.test", false},
        {"a_b.test", false},
        {"a b.test", false},
        {"ex\xc3\xa4mple.test", false},
        {"127.0.0.1", false},
        {"1.2", false},
        {std::string("a\0b", 3), false},
    };
    for (const auto& k : cases) EXPECT_EQ(is_host_name(k.name), k.ok) << "'" << k.name << "'";
}

TEST(config_validate, ip_literals) {
    struct c {
        std::string address;
        bool ok;
    };
    const c cases[] = {
        {"127.0.0.1", true},
        {"0.0.0.0", true},
        {"255.255.255.255", true},
        {"::", true},
        {"::1", true},
        {"fe80::1", true},
        {"2001:db8::42", true},
        {"::ffff:127.0.0.1", true},
        {"", false},
        {"localhost", false},
        {"256.0.0.1", false},
        {"127.1", false},
        {"[::1]", false},
        {"fe80::1%lo", false},
        {" 127.0.0.1", false},
        {"127.0.0.1:110", false},
        {std::string("127.0.0.1\0x", 11), false},
    };
    for (const auto& k : cases) EXPECT_EQ(is_ip_literal(k.address), k.ok) << "'" << k.address << "'";
}

TEST(config_validate, listener_names) {
    struct c {
        std::string name;
        bool ok;
    };
    const c cases[] = {
        {"pop3", true},
        {"pop3s", true},
        {"pop3-plain", true},
        {"a_b.c", true},
        {std::string(64, 'x'), true},
        {"", false},
        {std::string(65, 'x'), false},
        {"pop 3", false},
        {"pop3\n", false},
        {"p=1", false},
    };
    for (const auto& k : cases) EXPECT_EQ(is_listener_name(k.name), k.ok) << "'" << k.name << "'";
}

TEST(config_validate, enumerations) {
    EXPECT_EQ(tls_mode_from("none"), tls_mode::none);
    EXPECT_EQ(tls_mode_from("starttls"), tls_mode::starttls);
    EXPECT_EQ(tls_mode_from("implicit"), tls_mode::implicit);
    EXPECT_FALSE(tls_mode_from("STARTTLS"));
    EXPECT_FALSE(tls_mode_from("tls"));
    EXPECT_EQ(service_from("pop3"), service_kind::pop3);
    EXPECT_EQ(service_from("imap"), service_kind::imap);
    EXPECT_FALSE(service_from("IMAP"));
    EXPECT_FALSE(service_from("imaps"));  // implicit TLS is the listener's tls key, not a service
    for (auto level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) EXPECT_TRUE(is_log_level(level));
    EXPECT_FALSE(is_log_level("warning"));
    EXPECT_FALSE(is_log_level(""));
    EXPECT_EQ(joined(tls_modes), "none, starttls, implicit");
}

TEST(config_validate, sasl_mechanisms_any_case_stored_upper) {
    struct c {
        std::string in;
        std::optional<std::string> out;
    };
    const c cases[] = {
        {"PLAIN", "PLAIN"},
        {"plain", "PLAIN"},
        {"Login", "LOGIN"},
        {"cram-md5", "CRAM-MD5"},
        {"scram-sha-1", "SCRAM-SHA-1"},
        {"SCRAM-sha-256", "SCRAM-SHA-256"},
        {"DIGEST-MD5", std::nullopt},
        {"GSSAPI", std::nullopt},
        {"SCRAM-SHA-1-PLUS", std::nullopt},
        {"", std::nullopt},
        {" PLAIN", std::nullopt},
    };
    for (const auto& k : cases) EXPECT_EQ(sasl_mechanism_from(k.in), k.out) << "'" << k.in << "'";
}

TEST(config_validate, colliding_endpoints) {
    struct c {
        const char* a;
        std::uint16_t pa;
        const char* b;
        std::uint16_t pb;
        bool collide;
    };
    const c cases[] = {
        {"127.0.0.1", 110, "127.0.0.1", 110, true},
        {"127.0.0.1", 110, "127.0.0.1", 111, false},
        {"127.0.0.1", 0, "127.0.0.1", 0, false},  // the OS picks two ports
        {"127.0.0.1", 110, "127.0.0.2", 110, false},
        {"0.0.0.0", 110, "127.0.0.1", 110, true},
        {"127.0.0.1", 110, "0.0.0.0", 110, true},
        {"::", 110, "::1", 110, true},
        {"::1", 110, "0:0::1", 110, true},
        {"::", 110, "0.0.0.0", 110, false},  // v6-only sockets
        {"::1", 110, "127.0.0.1", 110, false},
        {"bogus", 110, "bogus", 110, false},  // reported as a bad address instead
    };
    for (const auto& k : cases)
        EXPECT_EQ(endpoints_collide(k.a, k.pa, k.b, k.pb), k.collide)
            << k.a << ":" << k.pa << " " << k.b << ":" << k.pb;
}

TEST(config_validate, host_and_port) {
    struct c {
        std::string text;
        bool ok;
        std::string host;
        std::optional<std::uint16_t> port;
        bool bracketed;
    };
    const c cases[] = {
        {"relay.example", true, "relay.example", std::nullopt, false},
        {"relay.example:2526", true, "relay.example", 2526, false},
        {"10.0.0.5", true, "10.0.0.5", std::nullopt, false},
        {"10.0.0.5:53", true, "10.0.0.5", 53, false},
        {"[10.0.0.5]", true, "10.0.0.5", std::nullopt, true},
        {"[::1]:2525", true, "::1", 2525, true},
        {"[::1]", true, "::1", std::nullopt, true},
        {"::1", true, "::1", std::nullopt, false},  // bare IPv6: no port
        {"2001:db8::1:25", true, "2001:db8::1:25", std::nullopt, false},
        {"[not-an-ip]", true, "not-an-ip", std::nullopt, true},  // the caller checks the host
        {"h:65535", true, "h", 65535, false},
        {"h:00025", true, "h", 25, false},
        {"", false, "", std::nullopt, false},
        {"[]", false, "", std::nullopt, false},
        {"[]:25", false, "", std::nullopt, false},
        {":25", false, "", std::nullopt, false},
        {"h:", false, "", std::nullopt, false},
        {"h:0", false, "", std::nullopt, false},
        {"h:65536", false, "", std::nullopt, false},
        {"h:000025", false, "", std::nullopt, false},
        {"h:+25", false, "", std::nullopt, false},
        {"h:25x", false, "", std::nullopt, false},
        {"[::1", false, "", std::nullopt, false},
        {"[::1]25", false, "", std::nullopt, false},
        {"[::1]:", false, "", std::nullopt, false},
        {"[::1]:x", false, "", std::nullopt, false},
    };
    for (const auto& k : cases) {
        const auto got = split_host_port(k.text);
        ASSERT_EQ(got.has_value(), k.ok) << "'" << k.text << "'";
        if (!got) continue;
        EXPECT_EQ(got->host, k.host) << k.text;
        EXPECT_EQ(got->port, k.port) << k.text;
        EXPECT_EQ(got->bracketed, k.bracketed) << k.text;
    }
    EXPECT_TRUE(is_ipv6_literal("::1"));
    EXPECT_TRUE(is_ipv6_literal("::ffff:192.0.2.1"));
    EXPECT_FALSE(is_ipv6_literal("192.0.2.1"));
    EXPECT_FALSE(is_ipv6_literal("[::1]"));
    EXPECT_FALSE(is_ipv6_literal(std::string("::1\0", 4)));
}

TEST(config_validate, address_orders) {
    EXPECT_EQ(address_order_from("ipv6_first"), address_order::ipv6_first);
    EXPECT_EQ(address_order_from("ipv4_first"), address_order::ipv4_first);
    EXPECT_EQ(address_order_from("ipv6_only"), address_order::ipv6_only);
    EXPECT_EQ(address_order_from("ipv4_only"), address_order::ipv4_only);
    EXPECT_FALSE(address_order_from("IPV6_FIRST"));
    EXPECT_FALSE(address_order_from(""));
    EXPECT_EQ(joined(address_orders), "ipv6_first, ipv4_first, ipv6_only, ipv4_only");
}

TEST(config_validate, case_mapping_is_ascii_only) {
    EXPECT_EQ(to_lower("Example.TEST-1"), "example.test-1");
    EXPECT_EQ(to_upper("cram-md5"), "CRAM-MD5");
    EXPECT_EQ(to_lower("\xc3\x84"), "\xc3\x84");
}

}  // namespace
}  // namespace mailroom::config::detail
