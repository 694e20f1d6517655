#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace mailroom::config {
namespace {

// Every diagnostic as "line: message" for compact expectations.
std::vector<std::string> errors_of(const load_result& r) {
    std::vector<std::string> out;
    for (const auto& d : r.errors) out.push_back(std::to_string(d.line) + ": " + d.message);
    return out;
}

TEST(ConfigLoader, EveryKeyIsRead) {
    auto r = parse(R"(hostname = "mail.example.test"
data_dir = "/var/lib/mailroom"
domains = ["Example.TEST", "other.test", "example.test"]
log_level = "debug"
pop_before_smtp_window = 120
[tls]
cert = "/c.pem"
key = "/k.pem"
[[listener]]
name = "legacy"
service = "pop3"
address = "::1"
port = 0
tls = "none"
plaintext_auth = true
apop = false
mechanisms = ["plain", "SCRAM-SHA-256"]
max_connections = 10
max_connections_per_ip = 2
idle_timeout = 900
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 400
max_bad_commands = 3
max_auth_failures = 2
)", "t.toml");
    ASSERT_TRUE(r.cfg) << (r.errors.empty() ? "" : r.errors[0].format());
    const auto& s = *r.cfg;
    EXPECT_EQ(s.hostname, "mail.example.test");
    EXPECT_EQ(s.data_dir, "/var/lib/mailroom");
    EXPECT_EQ(s.domains, (std::vector<std::string>{"example.test", "other.test"}));
    EXPECT_EQ(s.log_level, "debug");
    EXPECT_EQ(s.pop_before_smtp_window, std::chrono::seconds(120));
    EXPECT_EQ(s.tls_cert, "/c.pem");
    EXPECT_EQ(s.tls_key, "/k.pem");
    ASSERT_EQ(s.listeners.size(), 1u);
    const auto& l = s.listeners[0];
    EXPECT_EQ(l.name, "legacy");
    EXPECT_EQ(l.address, "::1");
    EXPECT_EQ(l.port, 0);
    EXPECT_EQ(l.tls, tls_mode::none);
    EXPECT_TRUE(l.plaintext_auth);
    EXPECT_FALSE(l.apop);
    EXPECT_EQ(l.mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"}));
    EXPECT_EQ(l.max_connections, 10u);
    EXPECT_EQ(l.max_connections_per_ip, 2u);
    EXPECT_EQ(l.idle_timeout, std::chrono::seconds(900));
    EXPECT_EQ(l.auth_failure_delay, std::chrono::milliseconds(50));
    EXPECT_EQ(l.max_auth_failure_delay, std::chrono::milliseconds(400));
    EXPECT_EQ(l.max_bad_commands, 3u);
    EXPECT_EQ(l.max_auth_failures, 2u);
    EXPECT_EQ(l.source_line, 9);
}

TEST(ConfigLoader, NoListenersMeansTheDefaults) {
    auto r = parse("hostname = \"h.test\"\n", "t.toml");
    ASSERT_TRUE(r.cfg);
    ASSERT_EQ(r.cfg->listeners.size(), 2u);
    EXPECT_EQ(r.cfg->listeners[0].port, 1110);
    EXPECT_EQ(r.cfg->listeners[0].tls, tls_mode::starttls);
    EXPECT_EQ(r.cfg->listeners[1].port, 1995);
    EXPECT_EQ(r.cfg->listeners[1].tls, tls_mode::implicit);
    auto d = embedded_defaults();
    EXPECT_FALSE(d.hostname.empty());
    EXPECT_EQ(d.data_dir, "mailroom-data");
    EXPECT_FALSE(d.listeners[0].plaintext_auth);
}

TEST(ConfigLoader, EachErrorAtItsLine) {
    struct c { std::string text; std::string expected; };
    const std::vector<c> cases{
        {"colour = 1\n", "1: unknown key 'colour'"},
        {"[tls]\ncert = \"a\"\nkey = \"b\"\nchain = \"c\"\n", "4: unknown key 'chain' in [tls]"},
        {"[[listener]]\nname = \"a\"\nprot = 1\n", "3: unknown key 'prot' in [[listener]]"},
        {"hostname = 5\n", "1: 'hostname' must be a string"},
        {"hostname = \"bad host\"\n", "1: 'hostname' is not a valid host name: 'bad host'"},
        {"domains = \"example.test\"\n", "1: 'domains' must be an array of strings"},
        {"domains = [\"ok.test\", \"-bad.test\"]\n", "1: not a valid domain: '-bad.test'"},
        {"log_level = \"loud\"\n", "1: 'log_level' must be one of trace, debug, info, warn, error, critical, off; not 'loud'"},
        {"pop_before_smtp_window = 0\n", "1: 'pop_before_smtp_window' must be between 1 and 604800, not 0"},
        {"[tls]\ncert = \"a\"\n", "1: [tls] needs both 'cert' and 'key', or neither"},
        {"[[listener]]\nname = \"a\"\ntls = \"sometimes\"\n",
         "3: 'tls' must be \"none\", \"starttls\" or \"implicit\", not 'sometimes'"},
        {"[[listener]]\nname = \"a\"\naddress = \"localhost\"\n",
         "3: 'address' must be an IPv4 or IPv6 address, not 'localhost'"},
        {"[[listener]]\nname = \"a\"\nport = 70000\n", "3: 'port' must be between 0 and 65535, not 70000"},
        {"[[listener]]\nname = \"a\"\nport = \"110\"\n", "3: 'port' must be an integer"},
        {"[[listener]]\nname = \"a\"\nplaintext_auth = \"yes\"\n", "3: 'plaintext_auth' must be true or false"},
        {"[[listener]]\nname = \"a\"\nmechanisms = [\"DIGEST-MD5\"]\n",
         "3: unknown mechanism 'DIGEST-MD5' (known: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256)"},
        {"[[listener]]\nname = \"a\"\nmechanisms = [\"PLAIN\", \"plain\"]\n", "3: mechanism 'PLAIN' listed twice"},
        {"[[listener]]\nname = \"a\"\nservice = \"imap\"\n", "3: unknown service 'imap' (known: pop3)"},
        {"[[listener]]\nport = 1\n", "1: [[listener]] needs a 'name'"},
        {"[[listener]]\nname = \"a\"\n[[listener]]\nname = \"a\"\n", "3: listener name 'a' is used twice"},
        {"[[listener]]\nname = \"a\"\nport = 1110\n[[listener]]\nname = \"b\"\nport = 1110\n",
         "4: two listeners on 127.0.0.1 port 1110"},
        {"[[listener]]\nname = \"a\"\nmax_connections = 5\nmax_connections_per_ip = 6\n",
         "1: 'max_connections_per_ip' (6) is more than 'max_connections' (5)"},
        {"[[listener]]\nname = \"a\"\nauth_failure_delay_ms = 500\nmax_auth_failure_delay_ms = 100\n",
         "1: 'max_auth_failure_delay_ms' is less than 'auth_failure_delay_ms'"},
        {"listener = 3\n", "1: 'listener' must be an array of tables: [[listener]]"},
        {"tls = 3\n", "1: 'tls' must be a table: [tls]"},
    };
    for (const auto& k : cases) {
        auto r = parse(k.text, "t.toml");
        EXPECT_FALSE(r.cfg) << k.text;
        EXPECT_EQ(errors_of(r), std::vector<std::string>{k.expected}) << k.text;
    }
}

TEST(ConfigLoader, AllErrorsAreReportedAtOnce) {
    auto r = parse("a = 1\nb = 2\n[[listener]]\nname = \"x\"\nport = -1\ntls = \"no\"\n", "many.toml");
    EXPECT_FALSE(r.cfg);
    ASSERT_EQ(r.errors.size(), 4u);
    EXPECT_EQ(r.errors[0].format(), "many.toml:1:1: unknown key 'a'");
    EXPECT_EQ(r.errors[1].line, 2);
    EXPECT_EQ(r.errors[2].line, 5);
    EXPECT_EQ(r.errors[3].line, 6);
}

TEST(ConfigLoader, SyntaxErrorHasItsLine) {
    auto r = parse("hostname = \"a\"\n\nport = = 3\n", "bad.toml");
    EXPECT_FALSE(r.cfg);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].line, 3);
    EXPECT_EQ(r.errors[0].source, "bad.toml");
}

TEST(ConfigLoader, RelativePathsFollowTheFile) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "mailroom.toml";
    std::ofstream(file) << "data_dir = \"data\"\n[tls]\ncert = \"c.pem\"\nkey = \"/abs/k.pem\"\n";
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg);
    EXPECT_EQ(r.cfg->data_dir, tmp.path() / "data");
    EXPECT_EQ(r.cfg->tls_cert, tmp.path() / "c.pem");
    EXPECT_EQ(r.cfg->tls_key, "/abs/k.pem");
}

TEST(ConfigLoader, MissingFileIsOneDiagnostic) {
    auto r = load_file("/nonexistent/mailroom.toml");
    EXPECT_FALSE(r.cfg);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].format(), "/nonexistent/mailroom.toml:0:0: cannot read the file");
}

TEST(ConfigLoader, ShippedExampleLoads) {
    auto r = load_file(MAILROOM_SOURCE_DIR "/etc/mailroom.example.toml");
    ASSERT_TRUE(r.cfg) << (r.errors.empty() ? "" : r.errors[0].format());
    EXPECT_EQ(r.cfg->listeners.size(), 3u);
}

}  // namespace
}  // namespace mailroom::config
