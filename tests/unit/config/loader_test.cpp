// config::parse / config::load_file: every key into settings, every kind of
// error at its line and column, all errors at once, paths relative to the
// file, and the configurations the project itself ships or generates.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "load_result_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::config {
namespace {

using loader_helpers::errors_of;
using loader_helpers::first_error;
using loader_helpers::write_file;

// ------------------------------------------------------------ every key

TEST(config_loader, every_key_round_trips) {
    auto r = parse(R"(hostname = "mail.example.test"
data_dir = "/var/lib/mailroom"
domains = ["Example.TEST", "other.test"]
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
mechanisms = ["plain", "Scram-Sha-256", "cram-md5"]
max_connections = 10
max_connections_per_ip = 2
idle_timeout = 900
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 400
max_bad_commands = 3
max_bad_commands_after_login = 7
max_auth_failures = 2

[[listener]]
name = "second.one_2"
port = 65535
tls = "implicit"
mechanisms = []
)",
                   "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_TRUE(r.errors.empty());
    const auto& s = *r.cfg;
    EXPECT_EQ(s.hostname, "mail.example.test");
    EXPECT_EQ(s.data_dir, "/var/lib/mailroom");
    EXPECT_EQ(s.domains, (std::vector<std::string>{"example.test", "other.test"}));
    EXPECT_EQ(s.log_level, "debug");
    EXPECT_EQ(s.pop_before_smtp_window, std::chrono::seconds(120));
    EXPECT_EQ(s.tls_cert, "/c.pem");
    EXPECT_EQ(s.tls_key, "/k.pem");
    ASSERT_EQ(s.listeners.size(), 2u);

    const auto& l = s.listeners[0];
    EXPECT_EQ(l.name, "legacy");
    EXPECT_EQ(l.service, service_kind::pop3);
    EXPECT_EQ(l.address, "::1");
    EXPECT_EQ(l.port, 0);
    EXPECT_EQ(l.tls, tls_mode::none);
    EXPECT_TRUE(l.plaintext_auth);
    EXPECT_FALSE(l.apop);
    EXPECT_EQ(l.mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256", "CRAM-MD5"}));
    EXPECT_EQ(l.max_connections, 10u);
    EXPECT_EQ(l.max_connections_per_ip, 2u);
    EXPECT_EQ(l.idle_timeout, std::chrono::seconds(900));
    EXPECT_EQ(l.auth_failure_delay, std::chrono::milliseconds(50));
    EXPECT_EQ(l.max_auth_failure_delay, std::chrono::milliseconds(400));
    EXPECT_EQ(l.max_bad_commands, 3u);
    EXPECT_EQ(l.max_bad_commands_after_login, 7u);
    EXPECT_EQ(l.max_auth_failures, 2u);
    EXPECT_EQ(l.source_line, 10);

    // What the second one leaves out has the struct defaults.
    const auto& m = s.listeners[1];
    const listener defaults;
    EXPECT_EQ(m.name, "second.one_2");
    EXPECT_EQ(m.address, defaults.address);
    EXPECT_EQ(m.port, 65535);
    EXPECT_EQ(m.tls, tls_mode::implicit);
    EXPECT_EQ(m.plaintext_auth, defaults.plaintext_auth);
    EXPECT_EQ(m.apop, defaults.apop);
    EXPECT_TRUE(m.mechanisms.empty());
    EXPECT_EQ(m.max_connections, defaults.max_connections);
    EXPECT_EQ(m.max_connections_per_ip, defaults.max_connections_per_ip);
    EXPECT_EQ(m.idle_timeout, defaults.idle_timeout);
    EXPECT_EQ(m.auth_failure_delay, defaults.auth_failure_delay);
    EXPECT_EQ(m.max_auth_failure_delay, defaults.max_auth_failure_delay);
    EXPECT_EQ(m.max_bad_commands, defaults.max_bad_commands);
    EXPECT_EQ(m.max_auth_failures, defaults.max_auth_failures);
    EXPECT_EQ(m.source_line, 28);
}

TEST(config_loader, empty_document_is_the_embedded_defaults) {
    auto r = parse("", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto d = embedded_defaults();
    EXPECT_EQ(r.cfg->hostname, d.hostname);
    EXPECT_EQ(r.cfg->data_dir, "mailroom-data");
    EXPECT_TRUE(r.cfg->domains.empty());
    EXPECT_TRUE(r.cfg->tls_cert.empty());
    EXPECT_TRUE(r.cfg->tls_key.empty());
    EXPECT_EQ(r.cfg->log_level, "info");
    EXPECT_EQ(r.cfg->pop_before_smtp_window, std::chrono::seconds(600));
    ASSERT_EQ(r.cfg->listeners.size(), 7u);
    EXPECT_EQ(r.cfg->listeners[0].name, "pop3");
    EXPECT_EQ(r.cfg->listeners[1].name, "pop3s");
    EXPECT_EQ(r.cfg->listeners[2].name, "smtp");
}

TEST(config_loader, embedded_defaults_match_the_design) {
    const auto d = embedded_defaults();
    EXPECT_FALSE(d.hostname.empty());
    EXPECT_EQ(d.data_dir, "mailroom-data");
    ASSERT_EQ(d.listeners.size(), 7u);
    struct expected {
        std::string name;
        std::uint16_t port;
        tls_mode tls;
        service_kind service;
    };
    const expected want[] = {{"pop3", 1110, tls_mode::starttls, service_kind::pop3},
                             {"pop3s", 1995, tls_mode::implicit, service_kind::pop3},
                             {"smtp", 2525, tls_mode::starttls, service_kind::smtp},
                             {"submission", 5587, tls_mode::starttls, service_kind::submission},
                             {"submissions", 4465, tls_mode::implicit, service_kind::submission},
                             {"imap", 1143, tls_mode::starttls, service_kind::imap},
                             {"imaps", 1993, tls_mode::implicit, service_kind::imap}};
    const listener defaults;
    for (std::size_t i = 0; i < 7; ++i) {
        const auto& l = d.listeners[i];
        EXPECT_EQ(l.name, want[i].name);
        EXPECT_EQ(l.service, want[i].service);
        EXPECT_EQ(l.address, "127.0.0.1");
        EXPECT_EQ(l.port, want[i].port);
        EXPECT_EQ(l.tls, want[i].tls);
        EXPECT_FALSE(l.plaintext_auth);
        EXPECT_EQ(l.mechanisms, defaults.mechanisms);
        EXPECT_EQ(l.max_connections, defaults.max_connections);
        const auto idle = l.service == service_kind::pop3   ? defaults.idle_timeout
                          : l.service == service_kind::imap ? std::chrono::seconds(1800)
                                                            : std::chrono::seconds(300);
        EXPECT_EQ(l.idle_timeout, idle);
        EXPECT_EQ(l.source_line, 0);
    }
}

// One source: a listener left without limits has its engine's own.
TEST(config_loader, listener_limits_default_to_the_engine_limits) {
    auto r = parse(
        "[[listener]]\nname = \"p\"\n[[listener]]\nname = \"s\"\nservice = \"smtp\"\nport = 2526\n"
        "[[listener]]\nname = \"m\"\nservice = \"submission\"\nport = 2527\n",
        "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    ASSERT_EQ(r.cfg->listeners.size(), 3u);
    const pop3::limits p;
    const auto& pl = r.cfg->listeners[0];
    EXPECT_EQ(pl.max_bad_commands, p.max_bad_commands);
    EXPECT_EQ(pl.max_bad_commands_after_login, p.max_bad_commands_after_login);
    EXPECT_EQ(pl.max_auth_failures, p.max_auth_failures);
    EXPECT_EQ(pl.idle_timeout, p.autologout);
    EXPECT_EQ(pl.auth_failure_delay, p.auth_failure_delay);
    const smtp::limits m;
    for (std::size_t i : {1u, 2u}) {
        const auto& l = r.cfg->listeners[i];
        EXPECT_EQ(l.max_bad_commands, m.max_bad_commands) << l.name;
        EXPECT_EQ(l.max_auth_failures, m.max_auth_failures) << l.name;
        EXPECT_EQ(l.idle_timeout, m.command_timeout) << l.name;
        EXPECT_EQ(l.max_auth_failure_delay, m.max_auth_failure_delay) << l.name;
        EXPECT_EQ(l.max_message_bytes, m.max_message_bytes) << l.name;
        EXPECT_EQ(l.max_recipients, m.max_recipients) << l.name;
    }
    for (const auto& l : embedded_defaults().listeners) {
        if (l.service == service_kind::imap) continue;
        EXPECT_EQ(l.max_bad_commands, l.service == service_kind::pop3 ? p.max_bad_commands : m.max_bad_commands);
    }
}

// IMAP listeners take proto/imap/limits.hpp's and session_limits.hpp's values: RFC 9051 §5.4
// wants an autologout of at least 30 minutes.
TEST(config_loader, imap_listener_limits_default_to_the_imap_engine) {
    auto r = parse("[[listener]]\nname = \"i\"\nservice = \"imap\"\nport = 2143\ntls = \"implicit\"\n", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& l = r.cfg->listeners.at(0);
    const imap::limits engine;
    const imap::session_limits i;
    EXPECT_EQ(l.service, service_kind::imap);
    EXPECT_EQ(l.tls, tls_mode::implicit);
    EXPECT_EQ(l.idle_timeout, engine.autologout);
    EXPECT_GE(l.idle_timeout, std::chrono::minutes(30));
    EXPECT_EQ(l.max_bad_commands, engine.max_bad_commands);
    EXPECT_EQ(l.max_auth_failures, i.max_auth_failures);
    EXPECT_EQ(l.auth_failure_delay, i.auth_failure_delay);
    EXPECT_EQ(l.max_auth_failure_delay, i.max_auth_failure_delay);
    for (const auto& d : embedded_defaults().listeners) {
        if (d.service != service_kind::imap) continue;
        EXPECT_EQ(d.max_bad_commands, engine.max_bad_commands) << d.name;
    }
}

TEST(config_loader, dependent_limits_follow_the_given_one_when_left_out) {
    auto r = parse("[[listener]]\nname = \"a\"\nmax_connections = 10\nauth_failure_delay_ms = 20000\n", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->listeners[0].max_connections_per_ip, 10u);
    EXPECT_EQ(r.cfg->listeners[0].max_auth_failure_delay, std::chrono::milliseconds(20000));
}

TEST(config_loader, limits_at_their_bounds_are_accepted) {
    auto r = parse(
        "pop_before_smtp_window = 1\n[[listener]]\nname = \"a\"\nport = 0\nmax_connections = 1\n"
        "max_connections_per_ip = 1\nidle_timeout = 1\nauth_failure_delay_ms = 0\n"
        "max_auth_failure_delay_ms = 0\nmax_bad_commands = 1\nmax_auth_failures = 1\n",
        "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->listeners[0].auth_failure_delay, std::chrono::milliseconds(0));
}

TEST(config_loader, listeners_may_share_a_port_on_different_addresses_or_families) {
    auto r = parse(
        "[[listener]]\nname = \"a\"\naddress = \"127.0.0.1\"\nport = 1110\n"
        "[[listener]]\nname = \"b\"\naddress = \"127.0.0.2\"\nport = 1110\n"
        "[[listener]]\nname = \"c\"\naddress = \"::\"\nport = 1110\n"
        "[[listener]]\nname = \"d\"\naddress = \"127.0.0.1\"\nport = 0\n"
        "[[listener]]\nname = \"e\"\naddress = \"127.0.0.1\"\nport = 0\n",
        "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->listeners.size(), 5u);
}

TEST(config_loader, inline_tables_and_dotted_keys_are_tables_too) {
    auto r = parse("tls.cert = \"c\"\ntls.key = \"k\"\nlistener = [{name = \"a\", port = 7}]\n", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->tls_cert, "c");
    ASSERT_EQ(r.cfg->listeners.size(), 1u);
    EXPECT_EQ(r.cfg->listeners[0].port, 7);
    EXPECT_EQ(r.cfg->listeners[0].source_line, 3);
}

// ------------------------------------------------------------ errors

struct error_case {
    const char* what;
    std::string text;
    std::string expected;  // "line:col: message"
};

TEST(config_loader, each_error_at_its_line_and_column) {
    const std::vector<error_case> cases{
        // unknown keys, at each level
        {"top", "hostname = \"a\"\ncolour = 1\n", "2:1: unknown key 'colour'"},
        {"top typo", "log_levle = \"info\"\n", "1:1: unknown key 'log_levle' (did you mean 'log_level'?)"},
        {"tls", "[tls]\ncert = \"a\"\nkey = \"b\"\nchain = \"c\"\n", "4:1: unknown key 'chain' in [tls]"},
        {"listener", "[[listener]]\nname = \"a\"\n  prot = 1\n",
         "3:3: unknown key 'prot' in [[listener]] (did you mean 'port'?)"},
        {"sub-table", "[[listener]]\nname = \"a\"\n[listener.limits]\nx = 1\n",
         "3:11: unknown key 'limits' in [[listener]]"},
        // wrong types
        {"string", "hostname = 5\n", "1:12: 'hostname' must be a string, not an integer"},
        {"integer", "[[listener]]\nname = \"a\"\nport = \"110\"\n", "3:8: 'port' must be an integer, not a string"},
        {"float", "pop_before_smtp_window = 1.5\n",
         "1:26: 'pop_before_smtp_window' must be an integer, not a floating-point number"},
        {"boolean", "[[listener]]\nname = \"a\"\nplaintext_auth = \"yes\"\n",
         "3:18: 'plaintext_auth' must be true or false, not a string"},
        {"array", "domains = \"example.test\"\n", "1:11: 'domains' must be an array of strings, not a string"},
        {"array item", "domains = [\"a.test\", 7]\n", "1:22: 'domains' must contain only strings, not an integer"},
        {"tls table", "tls = 3\n", "1:7: 'tls' must be a table ([tls]), not an integer"},
        {"listener table", "listener = 3\n",
         "1:12: 'listener' must be an array of tables ([[listener]]), not an integer"},
        {"listener item", "listener = [{name = \"a\"}, 4]\n",
         "1:27: each 'listener' must be a table ([[listener]]), not an integer"},
        {"empty listeners", "listener = []\n", "1:12: 'listener' is empty; leave it out to use the default listeners"},
        {"date", "[[listener]]\nname = 1979-05-27\n", "2:8: 'name' must be a string, not a date"},
        // bad enumerations
        {"log_level", "log_level = \"loud\"\n",
         "1:13: 'log_level' must be one of trace, debug, info, warn, error, critical, off; not 'loud'"},
        {"log_level case", "log_level = \"INFO\"\n",
         "1:13: 'log_level' must be one of trace, debug, info, warn, error, critical, off; not 'INFO'"},
        {"tls mode", "[[listener]]\nname = \"a\"\ntls = \"sometimes\"\n",
         "3:7: 'tls' must be one of none, starttls, implicit; not 'sometimes'"},
        {"service", "[[listener]]\nname = \"a\"\nservice = \"imap4\"\n",
         "3:11: 'service' must be one of pop3, smtp, submission, imap; not 'imap4'"},
        // addresses and ports
        {"host name as address", "[[listener]]\nname = \"a\"\naddress = \"localhost\"\n",
         "3:11: 'address' must be an IPv4 or IPv6 address, not 'localhost'"},
        {"bad IPv4", "[[listener]]\nname = \"a\"\naddress = \"127.0.0.256\"\n",
         "3:11: 'address' must be an IPv4 or IPv6 address, not '127.0.0.256'"},
        {"bracketed IPv6", "[[listener]]\nname = \"a\"\naddress = \"[::1]\"\n",
         "3:11: 'address' must be an IPv4 or IPv6 address, not '[::1]'"},
        {"port high", "[[listener]]\nname = \"a\"\nport = 65536\n",
         "3:8: 'port' must be between 0 and 65535, not 65536"},
        {"port negative", "[[listener]]\nname = \"a\"\nport = -1\n", "3:8: 'port' must be between 0 and 65535, not -1"},
        // names
        {"no name", "hostname = \"h\"\n[[listener]]\nport = 1\n", "2:1: [[listener]] needs a 'name'"},
        {"empty name", "[[listener]]\nname = \"\"\n",
         "2:8: 'name' must be 1 to 64 letters, digits, '-', '_' or '.', not ''"},
        {"space in name", "[[listener]]\nname = \"pop 3\"\n",
         "2:8: 'name' must be 1 to 64 letters, digits, '-', '_' or '.', not 'pop 3'"},
        {"duplicate name", "[[listener]]\nname = \"a\"\n\n[[listener]]\nname = \"a\"\n",
         "5:8: listener name 'a' is used twice (also on line 1)"},
        {"duplicate endpoint", "[[listener]]\nname = \"a\"\nport = 1110\n[[listener]]\nname = \"b\"\nport = 1110\n",
         "6:8: listener 'b' on 127.0.0.1 port 1110 collides with listener 'a' on 127.0.0.1 port 1110 (line 1)"},
        {"same IPv6 spelt differently",
         "[[listener]]\nname = \"a\"\naddress = \"::1\"\nport = 5\n[[listener]]\nname = \"b\"\naddress = \"0::0:1\"\n"
         "port = 5\n",
         "8:8: listener 'b' on 0::0:1 port 5 collides with listener 'a' on ::1 port 5 (line 1)"},
        {"wildcard overlap",
         "[[listener]]\nname = \"a\"\naddress = \"127.0.0.1\"\nport = 5\n[[listener]]\nname = \"b\"\n"
         "address = \"0.0.0.0\"\nport = 5\n",
         "8:8: listener 'b' on 0.0.0.0 port 5 collides with listener 'a' on 127.0.0.1 port 5 (line 1)"},
        // mechanisms
        {"unknown mechanism", "[[listener]]\nname = \"a\"\nmechanisms = [\"PLAIN\", \"DIGEST-MD5\"]\n",
         "3:24: 'mechanisms': unknown SASL mechanism 'DIGEST-MD5' (known: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, "
         "SCRAM-SHA-256)"},
        {"duplicate mechanism", "[[listener]]\nname = \"a\"\nmechanisms = [\"PLAIN\", \"plain\"]\n",
         "3:24: 'mechanisms': 'PLAIN' is listed twice"},
        // [tls]
        {"only cert", "hostname = \"h\"\n\n[tls]\ncert = \"a\"\n",
         "3:1: [tls] needs both 'cert' and 'key', or neither (for a self-signed certificate); 'key' is missing"},
        {"only key", "[tls]\nkey = \"a\"\n",
         "1:1: [tls] needs both 'cert' and 'key', or neither (for a self-signed certificate); 'cert' is missing"},
        {"empty cert", "[tls]\ncert = \"\"\nkey = \"k\"\n", "2:8: 'cert' must not be empty"},
        // names of hosts and domains
        {"hostname", "hostname = \"bad host\"\n",
         "1:12: 'hostname' must be a host name (labels of letters, digits and '-', separated by dots), not 'bad "
         "host'"},
        {"hostname trailing dot", "hostname = \"mail.example.\"\n",
         "1:12: 'hostname' must be a host name (labels of letters, digits and '-', separated by dots), not "
         "'mail.example.'"},
        {"invalid domain", "domains = [\n  \"ok.test\",\n  \"-bad.test\",\n]\n",
         "3:3: 'domains': '-bad.test' is not a valid domain name"},
        {"underscore domain", "domains = [\"my_domain.test\"]\n",
         "1:12: 'domains': 'my_domain.test' is not a valid domain name"},
        {"numeric domain", "domains = [\"10.0.0.1\"]\n", "1:12: 'domains': '10.0.0.1' is not a valid domain name"},
        {"duplicate domain", "domains = [\"a.test\", \"A.TEST\"]\n", "1:22: 'domains': 'a.test' is listed twice"},
        // other values
        {"empty data_dir", "data_dir = \"\"\n", "1:12: 'data_dir' must not be empty"},
        {"window zero", "pop_before_smtp_window = 0\n",
         "1:26: 'pop_before_smtp_window' must be between 1 and 604800, not 0"},
        {"max_connections zero", "[[listener]]\nname = \"a\"\nmax_connections = 0\n",
         "3:19: 'max_connections' must be between 1 and 1000000, not 0"},
        {"per ip above max", "[[listener]]\nname = \"a\"\nmax_connections = 5\nmax_connections_per_ip = 6\n",
         "4:26: 'max_connections_per_ip' (6) is more than 'max_connections' (5)"},
        {"per ip above default max", "[[listener]]\nname = \"a\"\nmax_connections_per_ip = 1001\n",
         "3:26: 'max_connections_per_ip' (1001) is more than 'max_connections' (1000)"},
        {"idle_timeout zero", "[[listener]]\nname = \"a\"\nidle_timeout = 0\n",
         "3:16: 'idle_timeout' must be between 1 and 86400, not 0"},
        {"negative delay", "[[listener]]\nname = \"a\"\nauth_failure_delay_ms = -1\n",
         "3:25: 'auth_failure_delay_ms' must be between 0 and 600000, not -1"},
        {"max delay below first",
         "[[listener]]\nname = \"a\"\nauth_failure_delay_ms = 500\nmax_auth_failure_delay_ms = 100\n",
         "4:29: 'max_auth_failure_delay_ms' (100) is less than 'auth_failure_delay_ms' (500)"},
        {"bad commands zero", "[[listener]]\nname = \"a\"\nmax_bad_commands = 0\n",
         "3:20: 'max_bad_commands' must be between 1 and 1000000, not 0"},
        {"auth failures zero", "[[listener]]\nname = \"a\"\nmax_auth_failures = 0\n",
         "3:21: 'max_auth_failures' must be between 1 and 1000000, not 0"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text, "t.toml");
        EXPECT_FALSE(r.cfg) << c.what;
        EXPECT_EQ(errors_of(r), std::vector<std::string>{c.expected}) << c.what << "\n" << c.text;
    }
}

TEST(config_loader, all_errors_are_reported_at_once_in_file_order) {
    auto r = parse(R"(a = 1
hostname = "-x"
[tls]
cert = 4
[[listener]]
name = "x"
bogus = true
port = -1
tls = "no"
mechanisms = ["NOPE"]
[[listener]]
name = "x"
)",
                   "many.toml");
    EXPECT_FALSE(r.cfg);
    const auto got = errors_of(r);
    ASSERT_EQ(got.size(), 9u) << ::testing::PrintToString(got);
    EXPECT_EQ(r.errors[0].format(), "many.toml:1:1: unknown key 'a'");
    const int lines[] = {1, 2, 3, 4, 7, 8, 9, 10, 12};
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(r.errors[i].line, lines[i]) << got[i];
    for (const auto& d : r.errors) EXPECT_EQ(d.source, "many.toml");
}

TEST(config_loader, syntax_error_has_its_line) {
    struct c {
        const char* text;
        int line;
    };
    const c cases[] = {
        {"hostname = \"a\"\n\nport = = 3\n", 3},
        {"hostname = \"a\"\nlog_level = \n", 2},
        {"hostname = \"a\"\nhostname = \"b\"\n", 2},          // duplicate key
        {"[[listener]]\nname = \"a\"\n[listener]\n", 3},      // table over an array
        {"domains = [\"a\",\n\"b\"\nhostname = \"x\"\n", 3},  // unterminated array
        {"hostname = \"unterminated\n", 1},
    };
    for (const auto& k : cases) {
        auto r = parse(k.text, "bad.toml");
        EXPECT_FALSE(r.cfg) << k.text;
        ASSERT_EQ(r.errors.size(), 1u) << k.text;
        EXPECT_EQ(r.errors[0].line, k.line) << k.text << r.errors[0].format();
        EXPECT_GT(r.errors[0].column, 0) << k.text;
        EXPECT_EQ(r.errors[0].source, "bad.toml");
        EXPECT_FALSE(r.errors[0].message.empty());
    }
}

TEST(config_loader, diagnostic_format) {
    const diagnostic d{"etc/m.toml", 12, 7, "unknown key 'x'"};
    EXPECT_EQ(d.format(), "etc/m.toml:12:7: unknown key 'x'");
}

TEST(config_loader, parse_leaves_relative_paths_as_written) {
    auto r = parse("data_dir = \"data\"\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n", "/etc/mailroom/m.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->data_dir, "data");
    EXPECT_EQ(r.cfg->tls_cert, "c.pem");
}

// ------------------------------------------------------------ files

TEST(config_loader, relative_paths_follow_the_file) {
    test::temp_dir tmp;
    std::filesystem::create_directories(tmp.path() / "etc");
    const auto file = tmp.path() / "etc" / "mailroom.toml";
    write_file(file, "data_dir = \"../data\"\n[tls]\ncert = \"tls/c.pem\"\nkey = \"/abs/k.pem\"\n");
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->data_dir, tmp.path() / "etc" / "../data");
    EXPECT_EQ(std::filesystem::weakly_canonical(r.cfg->data_dir),
              std::filesystem::weakly_canonical(tmp.path() / "data"));
    EXPECT_EQ(r.cfg->tls_cert, tmp.path() / "etc" / "tls/c.pem");
    EXPECT_EQ(r.cfg->tls_key, "/abs/k.pem");
}

TEST(config_loader, default_data_dir_follows_the_file_too) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "m.toml";
    write_file(file, "hostname = \"h\"\n");
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->data_dir, tmp.path() / "mailroom-data");
    EXPECT_TRUE(r.cfg->tls_cert.empty()) << "no [tls]: stays empty for the self-signed default";
}

TEST(config_loader, load_file_reports_the_file_name) {
    test::temp_dir tmp;
    const auto file = tmp.path() / "bad.toml";
    write_file(file, "hostname = \"h\"\nunknown = 1\n");
    auto r = load_file(file);
    EXPECT_FALSE(r.cfg);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].format(), file.string() + ":2:1: unknown key 'unknown'");
}

TEST(config_loader, unreadable_file_is_one_diagnostic_on_line_0) {
    test::temp_dir tmp;
    const std::filesystem::path cases[] = {tmp.path() / "missing.toml", tmp.path()};
    for (const auto& p : cases) {
        auto r = load_file(p);
        EXPECT_FALSE(r.cfg) << p;
        ASSERT_EQ(r.errors.size(), 1u) << p;
        EXPECT_EQ(r.errors[0].source, p.string());
        EXPECT_EQ(r.errors[0].line, 0);
        EXPECT_EQ(r.errors[0].column, 0);
        EXPECT_EQ(r.errors[0].message.rfind("cannot read the file", 0), 0u) << r.errors[0].message;
    }
}

// ------------------------------------------------------------ shipped files

// What tests/integration/harness.py make_config() writes (default_listeners()
// and a variety of the listener options the integration tests use); the
// harness_configs ctest checks the harness's real output as well.
TEST(config_loader, integration_harness_config_loads) {
    const std::string text = R"(hostname = "mail.example.test"
data_dir = "/tmp/mailroom-it-x/data"
log_level = "debug"
domains = ["example.test"]

[[listener]]
service = "pop3"
address = "127.0.0.1"
port = 0
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 200
name = "pop3"
tls = "starttls"
plaintext_auth = false

[[listener]]
service = "pop3"
address = "127.0.0.1"
port = 0
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 200
name = "pop3-plain"
tls = "starttls"
plaintext_auth = true

[[listener]]
service = "pop3"
address = "127.0.0.1"
port = 0
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 200
name = "pop3s"
tls = "implicit"

[[listener]]
service = "pop3"
address = "::1"
port = 0
auth_failure_delay_ms = 50
max_auth_failure_delay_ms = 200
name = "noapop"
tls = "none"
plaintext_auth = false
apop = false
mechanisms = ["SCRAM-SHA-256"]
max_bad_commands = 3
max_auth_failures = 2
max_connections_per_ip = 3
idle_timeout = 1
)";
    auto r = parse(text, "harness.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& s = *r.cfg;
    EXPECT_EQ(s.hostname, "mail.example.test");
    EXPECT_EQ(s.data_dir, "/tmp/mailroom-it-x/data");
    EXPECT_EQ(s.log_level, "debug");
    ASSERT_EQ(s.listeners.size(), 4u);
    EXPECT_EQ(s.listeners[0].name, "pop3");
    EXPECT_FALSE(s.listeners[0].plaintext_auth);
    EXPECT_EQ(s.listeners[0].auth_failure_delay, std::chrono::milliseconds(50));
    EXPECT_EQ(s.listeners[0].max_auth_failure_delay, std::chrono::milliseconds(200));
    EXPECT_TRUE(s.listeners[1].plaintext_auth);
    EXPECT_EQ(s.listeners[2].tls, tls_mode::implicit);
    EXPECT_EQ(s.listeners[3].address, "::1");
    EXPECT_EQ(s.listeners[3].idle_timeout, std::chrono::seconds(1));
    EXPECT_EQ(s.listeners[3].max_connections_per_ip, 3u);
}

TEST(config_loader, shipped_example_loads) {
    const std::filesystem::path file = MAILROOM_SOURCE_DIR "/etc/mailroom.example.toml";
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& s = *r.cfg;
    EXPECT_EQ(s.hostname, "mail.example.test");
    EXPECT_EQ(s.data_dir, file.parent_path() / "mailroom-data");
    EXPECT_EQ(s.domains, (std::vector<std::string>{"example.test"}));
    ASSERT_EQ(s.listeners.size(), 5u);
    EXPECT_EQ(s.listeners[0].name, "pop3");
    EXPECT_EQ(s.listeners[0].port, 1110);
    EXPECT_EQ(s.listeners[1].name, "pop3s");
    EXPECT_EQ(s.listeners[1].port, 1995);
    EXPECT_EQ(s.listeners[1].tls, tls_mode::implicit);
    EXPECT_EQ(s.listeners[3].service, service_kind::smtp);
    EXPECT_EQ(s.listeners[3].idle_timeout, std::chrono::seconds(300));  // the SMTP default
    EXPECT_EQ(s.listeners[4].service, service_kind::submission);
    EXPECT_EQ(s.trusted_networks, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
}

TEST(config_loader, smtp_keys_and_networks) {
    auto r = parse(
        "trusted_networks = [\"10.0.0.0/8\", \"fd00::/8\"]\n[[listener]]\nname = \"mx\"\n"
        "service = \"smtp\"\nmax_message_bytes = 2048\nmax_recipients = 100\nidle_timeout = 60\n",
        "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->listeners[0].max_message_bytes, 2048u);
    EXPECT_EQ(r.cfg->listeners[0].max_recipients, 100u);
    EXPECT_EQ(r.cfg->listeners[0].idle_timeout, std::chrono::seconds(60));
    for (const char* bad : {"\"10.0.0.0\"", "\"10.0.0.0/33\"", "\"::1/129\"", "\"host/8\"", "\"10.0.0.0/\""}) {
        auto e = parse(std::string("trusted_networks = [") + bad + "]\n", "t.toml");
        EXPECT_FALSE(e.cfg) << bad;
    }
    EXPECT_FALSE(parse("[[listener]]\nname = \"mx\"\nmax_recipients = 99\n", "t.toml").cfg);
    EXPECT_FALSE(parse("[[listener]]\nname = \"mx\"\nmax_message_bytes = 10\n", "t.toml").cfg);
}

TEST(config_loader, hardening_keys) {  // issue #12
    auto d = parse("[[listener]]\nname = \"mx\"\nservice = \"smtp\"\n", "t.toml");
    ASSERT_TRUE(d.cfg) << first_error(d);
    EXPECT_FALSE(d.cfg->listeners[0].pop_before_smtp);  // off unless turned on
    EXPECT_EQ(d.cfg->listeners[0].tls_handshake_timeout, std::chrono::seconds(10));
    EXPECT_FALSE(d.cfg->connection_limit_exceptions);  // the server uses trusted_networks
    EXPECT_EQ(d.cfg->login_penalty.delay, std::chrono::milliseconds(1000));
    EXPECT_EQ(d.cfg->login_penalty.max_delay, std::chrono::milliseconds(15000));
    EXPECT_EQ(d.cfg->login_penalty.decay, std::chrono::seconds(60));

    auto r = parse(
        "connection_limit_exceptions = [\"192.0.2.0/24\"]\nlogin_penalty_delay_ms = 20000\n"
        "login_penalty_decay = 5\n[[listener]]\nname = \"mx\"\nservice = \"smtp\"\n"
        "pop_before_smtp = true\ntls_handshake_timeout = 3\n",
        "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_TRUE(r.cfg->listeners[0].pop_before_smtp);
    EXPECT_EQ(r.cfg->listeners[0].tls_handshake_timeout, std::chrono::seconds(3));
    EXPECT_EQ(r.cfg->connection_limit_exceptions, std::vector<std::string>{"192.0.2.0/24"});
    EXPECT_EQ(r.cfg->login_penalty.delay, std::chrono::milliseconds(20000));
    EXPECT_EQ(r.cfg->login_penalty.max_delay, std::chrono::milliseconds(20000));  // follows the delay
    EXPECT_EQ(r.cfg->login_penalty.decay, std::chrono::seconds(5));

    const std::pair<const char*, const char*> bad[] = {
        {"[[listener]]\nname = \"p\"\npop_before_smtp = true\n",
         "3:19: 'pop_before_smtp' applies to 'smtp' listeners only"},
        {"[[listener]]\nname = \"p\"\ntls_handshake_timeout = 0\n",
         "3:25: 'tls_handshake_timeout' must be between 1 and 300, not 0"},
        {"connection_limit_exceptions = [\"10.0.0.1\"]\n",
         "1:32: 'connection_limit_exceptions': '10.0.0.1' is not a network like \"127.0.0.0/8\" or \"::1/128\""},
        {"login_penalty_delay_ms = 500\nlogin_penalty_max_delay_ms = 100\n",
         "2:30: 'login_penalty_max_delay_ms' (100) is less than 'login_penalty_delay_ms' (500)"},
        {"login_penalty_decay = 0\n", "1:23: 'login_penalty_decay' must be between 1 and 86400, not 0"},
    };
    for (const auto& [text, expected] : bad) {
        auto e = parse(text, "t.toml");
        EXPECT_FALSE(e.cfg) << text;
        EXPECT_EQ(errors_of(e), std::vector<std::string>{expected}) << text;
    }
}

TEST(config_loader, operations_keys) {  // issue #12: privileges, graceful stop
    auto d = parse("", "t.toml");
    ASSERT_TRUE(d.cfg) << first_error(d);
    EXPECT_EQ(d.cfg->user, "");
    EXPECT_EQ(d.cfg->group, "");
    EXPECT_EQ(d.cfg->shutdown_timeout, std::chrono::seconds(30));

    auto r = parse("user = \"mailroom\"\ngroup = \"mail\"\nshutdown_timeout = 0\n", "t.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->user, "mailroom");
    EXPECT_EQ(r.cfg->group, "mail");
    EXPECT_EQ(r.cfg->shutdown_timeout, std::chrono::seconds(0));

    const std::pair<const char*, const char*> bad[] = {
        {"user = \"\"\n", "1:8: 'user' must not be empty"},
        {"user = \"Mail Room\"\n", "1:8: 'user' must be a user or group name like \"mailroom\", not 'Mail Room'"},
        {"user = \"1abc\"\n", "1:8: 'user' must be a user or group name like \"mailroom\", not '1abc'"},
        {"user = \"../etc\"\n", "1:8: 'user' must be a user or group name like \"mailroom\", not '../etc'"},
        {"group = \"mail\"\n", "1:9: 'group' needs 'user'"},
        {"shutdown_timeout = 3601\n", "1:20: 'shutdown_timeout' must be between 0 and 3600, not 3601"},
    };
    for (const auto& [text, expected] : bad) {
        auto e = parse(text, "t.toml");
        EXPECT_FALSE(e.cfg) << text;
        EXPECT_EQ(errors_of(e), std::vector<std::string>{expected}) << text;
    }
}

TEST(config_loader, example_with_tls_uncommented_loads) {
    // The commented-out [tls] section of the example must be valid as well.
    std::ifstream in(MAILROOM_SOURCE_DIR "/etc/mailroom.example.toml");
    ASSERT_TRUE(in);
    std::string text, line;
    bool seen = false;
    while (std::getline(in, line)) {
        if (line == "# [tls]" || line.rfind("# cert = ", 0) == 0 || line.rfind("# key = ", 0) == 0) {
            line.erase(0, 2);
            seen = true;
        }
        text += line + "\n";
    }
    ASSERT_TRUE(seen) << "the example no longer has a commented [tls] section";
    auto r = parse(text, "example.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_FALSE(r.cfg->tls_cert.empty());
    EXPECT_FALSE(r.cfg->tls_key.empty());
}

std::string read_source_file(const char* relative) {
    std::ifstream in(std::string(MAILROOM_SOURCE_DIR "/") + relative, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(config_loader, docs_example_loads) {
    const auto doc = read_source_file("docs/config.md");
    const auto start = doc.find("```toml\n");
    ASSERT_NE(start, std::string::npos) << "docs/config.md has no ```toml example";
    const auto body = start + 8;
    const auto end = doc.find("```", body);
    ASSERT_NE(end, std::string::npos);
    auto r = parse(doc.substr(body, end - body), "docs/config.md example");
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->listeners.size(), 2u);
}

TEST(config_loader, docs_and_example_mention_every_key) {
    const auto doc = read_source_file("docs/config.md");
    const auto example = read_source_file("etc/mailroom.example.toml");
    const char* keys[] = {"hostname",
                          "data_dir",
                          "domains",
                          "log_level",
                          "pop_before_smtp_window",
                          "cert",
                          "key",
                          "name",
                          "service",
                          "address",
                          "port",
                          "tls",
                          "plaintext_auth",
                          "apop",
                          "mechanisms",
                          "max_connections",
                          "max_connections_per_ip",
                          "idle_timeout",
                          "auth_failure_delay_ms",
                          "max_auth_failure_delay_ms",
                          "max_bad_commands",
                          "max_bad_commands_after_login",
                          "max_auth_failures",
                          "trusted_networks",
                          "max_message_bytes",
                          "max_recipients",
                          "tls_handshake_timeout",
                          "pop_before_smtp",
                          "connection_limit_exceptions",
                          "login_penalty_delay_ms",
                          "login_penalty_max_delay_ms",
                          "login_penalty_decay",
                          "user",
                          "group",
                          "shutdown_timeout"};
    for (const char* k : keys) {
        EXPECT_NE(doc.find("| `" + std::string(k) + "` |"), std::string::npos) << k << " not in docs/config.md";
        EXPECT_NE(example.find(std::string(k) + " = "), std::string::npos) << k << " not in the example";
    }
}

}  // namespace
}  // namespace mailroom::config
