#include "client/server_address.hpp"

#include <gtest/gtest.h>

namespace mailroom::client {
namespace {

TEST(ServerAddress, ValidForms) {
    struct {
        const char* in;
        const char* host;
        std::uint16_t port;
    } cases[] = {
        {"mail.example", "mail.example", 110}, {"mail.example:995", "mail.example", 995},
        {"192.0.2.1:1", "192.0.2.1", 1},       {"[::1]", "::1", 110},
        {"[::1]:65535", "::1", 65535},         {"2001:db8::1", "2001:db8::1", 110},
    };
    for (const auto& c : cases) {
        const auto got = parse_server(c.in, 110);
        ASSERT_TRUE(got) << c.in;
        EXPECT_EQ(got->host, c.host) << c.in;
        EXPECT_EQ(got->port, c.port) << c.in;
    }
}

TEST(ServerAddress, InvalidForms) {
    for (const char* in :
         {"", ":110", "host:", "host:0", "host:65536", "host:12x", "[::1", "[::1]x", "[]:110", "[::1]:", "a b:110"})
        EXPECT_FALSE(parse_server(in, 110)) << in;
}

}  // namespace
}  // namespace mailroom::client
