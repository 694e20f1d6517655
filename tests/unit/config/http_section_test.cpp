// config [http]: the HTTP listener's defaults (on, 127.0.0.1:8025), every
// key read, and each kind of bad value refused at its line.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "load_result_helpers.hpp"

namespace mailroom::config {
namespace {

using loader_helpers::errors_of;
using loader_helpers::first_error;

TEST(config_http, defaults_without_the_section) {
    auto r = parse("hostname = \"mail.example.test\"\n", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_TRUE(r.cfg->http.enabled);
    EXPECT_EQ(r.cfg->http.address, "127.0.0.1");
    EXPECT_EQ(r.cfg->http.port, 8025);
    EXPECT_EQ(r.cfg->http.limits.max_header_bytes, http::limits{}.max_header_bytes);
    EXPECT_EQ(embedded_defaults().http.port, 8025);
}

TEST(config_http, every_key) {
    auto r = parse(R"(hostname = "mail.example.test"
[http]
enabled = false
address = "::1"
port = 0
max_connections = 5
max_header_bytes = 4096
max_body_bytes = 0
idle_timeout = 7
)",
                   "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& h = r.cfg->http;
    EXPECT_FALSE(h.enabled);
    EXPECT_EQ(h.address, "::1");
    EXPECT_EQ(h.port, 0);
    EXPECT_EQ(h.limits.max_connections, 5u);
    EXPECT_EQ(h.limits.max_header_bytes, 4096u);
    EXPECT_EQ(h.limits.max_body_bytes, 0u);
    EXPECT_EQ(h.limits.idle_timeout, std::chrono::seconds(7));
    EXPECT_EQ(h.source_line, 2);
}

TEST(config_http, bad_values_each_at_its_line) {
    auto r = parse(R"([http]
address = "localhost"
port = 70000
max_connections = 0
max_header_bytes = 100
idle_timeout = 0
colour = "blue"
)",
                   "t.toml");
    EXPECT_FALSE(r.cfg);
    const auto e = errors_of(r);
    ASSERT_EQ(e.size(), 6u) << testing::PrintToString(e);
    EXPECT_NE(e[0].find("2:"), std::string::npos);
    EXPECT_NE(e[0].find("'address' must be an IPv4 or IPv6 address"), std::string::npos) << e[0];
    EXPECT_EQ(e[1].rfind("3:", 0), 0u) << e[1];
    EXPECT_EQ(e[2].rfind("4:", 0), 0u) << e[2];
    EXPECT_EQ(e[3].rfind("5:", 0), 0u) << e[3];
    EXPECT_EQ(e[4].rfind("6:", 0), 0u) << e[4];
    EXPECT_NE(e[5].find("colour"), std::string::npos) << e[5];
}

TEST(config_http, not_a_table) {
    auto r = parse("http = 8025\n", "t.toml");
    EXPECT_FALSE(r.cfg);
    EXPECT_NE(first_error(r).find("'http' must be a table"), std::string::npos) << first_error(r);
}

}  // namespace
}  // namespace mailroom::config
