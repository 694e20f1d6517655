#include "proto/pop3/proxy_front.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace mailroom::pop3 {
namespace {

// Every reply the engine has queued, concatenated; the first non-send
// action is returned through `other`.
std::string drain(proxy_front& f, std::optional<front_action>* other = nullptr) {
    std::string out;
    while (auto a = f.next_action()) {
        if (auto* s = std::get_if<front_send>(&*a)) {
            out += s->bytes;
        } else {
            if (other) *other = std::move(a);
            break;
        }
    }
    return out;
}

TEST(ProxyFront, GreetingHasNoApopTimestamp) {
    proxy_front f;
    EXPECT_EQ(drain(f), "+OK mailroom proxy ready\r\n");
}

TEST(ProxyFront, UserPassAsksForTheUpstreamLoginThenRelaysPipelinedBytes) {
    proxy_front f;
    drain(f);
    f.feed("USER alice\r\nPASS pass with spaces\r\nSTAT\r\nLIST\r\n");
    std::optional<front_action> act;
    EXPECT_EQ(drain(f, &act), "+OK\r\n");
    ASSERT_TRUE(act && std::holds_alternative<front_login>(*act));
    const auto& login = std::get<front_login>(*act);
    EXPECT_EQ(login.user, "alice");
    EXPECT_EQ(login.password.reveal(), "pass with spaces");
    EXPECT_EQ(f.current_state(), front_state::awaiting);
    f.login_done(true, false, "Logged in.");
    act.reset();
    EXPECT_EQ(drain(f, &act), "+OK Logged in (upstream: Logged in.)\r\n");
    ASSERT_TRUE(act && std::holds_alternative<front_relay>(*act));
    EXPECT_EQ(std::get<front_relay>(*act).pending, "STAT\r\nLIST\r\n");
    EXPECT_EQ(f.current_state(), front_state::relaying);
}

TEST(ProxyFront, RefusedLoginsAreCountedThenTheConnectionCloses) {
    proxy_front f;
    drain(f);
    for (int i = 0; i < 3; ++i) {
        f.feed("USER bob\r\nPASS nope\r\n");
        std::optional<front_action> act;
        drain(f, &act);
        ASSERT_TRUE(act && std::holds_alternative<front_login>(*act)) << i;
        f.login_done(false, i == 1, "-ERR [AUTH] no\r\nforged");
        act.reset();
        const auto out = drain(f, &act);
        EXPECT_EQ(out,
                  std::string(i == 1 ? "-ERR [SYS/TEMP] " : "-ERR [AUTH] ") + "upstream: -ERR [AUTH] no??forged\r\n");
        if (i == 2) {
            ASSERT_TRUE(act && std::holds_alternative<front_close>(*act));
            EXPECT_EQ(std::get<front_close>(*act).why, front_close_reason::login_failures);
        }
    }
}

TEST(ProxyFront, CapaFiltersTheUpstreamList) {
    proxy_front f;
    drain(f);
    f.feed("CAPA\r\n");
    std::optional<front_action> act;
    drain(f, &act);
    ASSERT_TRUE(act && std::holds_alternative<front_need_capabilities>(*act));
    f.capa_ready({"TOP", "STLS", "SASL PLAIN CRAM-MD5", "UIDL", "PIPELINING", "UTF8", "IMPLEMENTATION x", "user",
                  "EXPIRE 30", "AUTH-RESP-CODE"});
    EXPECT_EQ(drain(f), "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\nPIPELINING\r\nEXPIRE 30\r\n.\r\n");
}

TEST(ProxyFront, OtherCommandsAreRefusedAndBoundedByTheBadCommandLimit) {
    proxy_front f(front_limits{64, 3, 3});
    drain(f);
    f.feed("STLS\r\nPASS x\r\n");
    EXPECT_EQ(drain(f), "-ERR Not through this proxy: log in with USER and PASS\r\n-ERR USER first\r\n");
    std::optional<front_action> act;
    f.feed(std::string(100, 'A') + "\r\n");
    EXPECT_EQ(drain(f, &act), "-ERR Line too long\r\n-ERR Too many bad commands\r\n");
    ASSERT_TRUE(act && std::holds_alternative<front_close>(*act));
    EXPECT_EQ(f.current_state(), front_state::closed);
}

TEST(ProxyFront, ByteByByteIsTheSameAsWhole) {
    const std::string input = "CAPA\r\nUSER a\r\nQUIT\r\n";
    proxy_front f;
    drain(f);
    std::string out;
    for (char c : input) {
        f.feed(std::string(1, c));
        std::optional<front_action> act;
        out += drain(f, &act);
        if (act && std::holds_alternative<front_need_capabilities>(*act)) {
            f.capa_ready({});
            out += drain(f);
        }
    }
    EXPECT_EQ(out, "+OK Capability list follows\r\nUSER\r\n.\r\n+OK\r\n+OK Bye\r\n");
    EXPECT_EQ(f.current_state(), front_state::closed);
}

}  // namespace
}  // namespace mailroom::pop3
