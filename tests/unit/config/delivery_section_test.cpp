// [delivery], [delivery.routes] and [delivery.smarthost] through
// config::parse / config::load_file: every key, the defaults, each error at
// its line and column, the smarthost's password file, and agreement with
// queue::check_policy on which retry values are usable.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "load_result_helpers.hpp"
#include "queue/retry_schedule.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::config {
namespace {

using std::chrono::seconds;

using loader_helpers::errors_of;
using loader_helpers::first_error;
using loader_helpers::write_file;

// The delivery settings of `text`, which must load.
delivery_settings delivery_of(const std::string& text) {
    auto r = parse(text, "t.toml");
    EXPECT_TRUE(r.cfg) << first_error(r) << "\n" << text;
    return r.cfg ? r.cfg->delivery : delivery_settings{};
}

queue::retry_policy policy_of(const delivery_settings& d) {
    return {d.retry_initial, d.retry_max, d.retry_growth, d.max_lifetime, d.delay_warning};
}

// ------------------------------------------------------------ every key

TEST(config_delivery, every_key_parsed) {
    test::temp_dir tmp;
    write_file(tmp.path() / "secret", "s3cret\n");
    const auto file = tmp.path() / "m.toml";
    write_file(file, R"([delivery]
smtp_port = 2525
opportunistic_tls = false
address_order = "ipv4_only"
connect_timeout = 12
max_parallel = 40
max_per_domain = 40
retry_initial = 60
retry_max = 3600
retry_growth = 1.5
max_lifetime = 86400
delay_warning = 14400
dns_forwarder = "[::1]:5353"
dns_special_zones = ["Test", "invalid"]

[delivery.routes]
"partner.example" = "[10.0.0.5]:2525"
"Other.Example" = "Relay.Other.Example:2526"
"v6.example" = "[2001:db8::25]"
"plain.example" = "relay.example"

[delivery.smarthost]
host = "smtp.isp.example"
port = 2587
tls = "implicit"
verify_certificate = false
ca_file = "ca.pem"
username = "me@isp.example"
password_file = "secret"
)");
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& d = r.cfg->delivery;
    EXPECT_EQ(d.smtp_port, 2525);
    EXPECT_FALSE(d.opportunistic_tls);
    EXPECT_EQ(d.addresses, address_order::ipv4_only);
    EXPECT_EQ(d.connect_timeout, seconds(12));
    EXPECT_EQ(d.max_parallel, 40u);
    EXPECT_EQ(d.max_per_domain, 40u);
    EXPECT_EQ(d.retry_initial, seconds(60));
    EXPECT_EQ(d.retry_max, seconds(3600));
    EXPECT_DOUBLE_EQ(d.retry_growth, 1.5);
    EXPECT_EQ(d.max_lifetime, seconds(86400));
    EXPECT_EQ(d.delay_warning, seconds(14400));
    EXPECT_EQ(d.dns_forwarder, "::1");
    EXPECT_EQ(d.dns_forwarder_port, 5353);
    EXPECT_EQ(d.dns_special_zones, (std::vector<std::string>{"test", "invalid"}));

    // In file order, domains and host names lower-cased.
    ASSERT_EQ(d.routes.size(), 4u);
    EXPECT_EQ(d.routes[0].first, "partner.example");
    EXPECT_EQ(d.routes[0].second.host, "10.0.0.5");
    EXPECT_EQ(d.routes[0].second.port, 2525);
    EXPECT_TRUE(d.routes[0].second.literal);
    EXPECT_EQ(d.routes[1].first, "other.example");
    EXPECT_EQ(d.routes[1].second.host, "relay.other.example");
    EXPECT_EQ(d.routes[1].second.port, 2526);
    EXPECT_FALSE(d.routes[1].second.literal);
    EXPECT_EQ(d.routes[2].first, "v6.example");
    EXPECT_EQ(d.routes[2].second.host, "2001:db8::25");
    EXPECT_EQ(d.routes[2].second.port, 25);
    EXPECT_TRUE(d.routes[2].second.literal);
    EXPECT_EQ(d.routes[3].second.host, "relay.example");
    EXPECT_EQ(d.routes[3].second.port, 25);

    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->host, "smtp.isp.example");
    EXPECT_EQ(d.smarthost->port, 2587);
    EXPECT_EQ(d.smarthost->tls, tls_mode::implicit);
    EXPECT_FALSE(d.smarthost->verify_certificate);
    EXPECT_EQ(d.smarthost->ca_file, tmp.path() / "ca.pem") << "relative to the file, like every path";
    EXPECT_EQ(d.smarthost->username, "me@isp.example");
    EXPECT_EQ(d.smarthost->password, "s3cret") << "read from the file, newline stripped";
    EXPECT_EQ(d.smarthost->source_line, 22);
    EXPECT_FALSE(queue::check_policy(policy_of(d))) << *queue::check_policy(policy_of(d));
}

TEST(config_delivery, defaults_when_absent) {
    const delivery_settings defaults;
    for (const char* text : {"", "[delivery]\n", "delivery = {}\n"}) {
        const auto d = delivery_of(text);
        EXPECT_EQ(d.smtp_port, 25) << text;
        EXPECT_TRUE(d.opportunistic_tls);
        EXPECT_EQ(d.addresses, address_order::ipv6_first);
        EXPECT_EQ(d.connect_timeout, seconds(30));
        EXPECT_EQ(d.max_parallel, 20u);
        EXPECT_EQ(d.max_per_domain, 5u);
        EXPECT_EQ(d.retry_initial, seconds(300));
        EXPECT_EQ(d.retry_max, seconds(14400));
        EXPECT_DOUBLE_EQ(d.retry_growth, 2.0);
        EXPECT_EQ(d.max_lifetime, seconds(432000));
        EXPECT_EQ(d.delay_warning, seconds(0));
        EXPECT_TRUE(d.dns_forwarder.empty());
        EXPECT_EQ(d.dns_forwarder_port, 53);
        EXPECT_TRUE(d.dns_special_zones.empty());
        EXPECT_TRUE(d.routes.empty());
        EXPECT_FALSE(d.smarthost);
        EXPECT_FALSE(queue::check_policy(policy_of(d)));
    }
    // The struct defaults are queue::retry_policy's.
    const queue::retry_policy p;
    EXPECT_EQ(defaults.retry_initial, p.initial_delay);
    EXPECT_EQ(defaults.retry_max, p.max_delay);
    EXPECT_DOUBLE_EQ(defaults.retry_growth, p.growth_factor);
    EXPECT_EQ(defaults.max_lifetime, p.max_lifetime);
    EXPECT_EQ(defaults.delay_warning, p.delay_warning_after);
}

TEST(config_delivery, dependent_values_follow_the_given_one_when_left_out) {
    auto d = delivery_of("[delivery]\nmax_parallel = 3\nretry_initial = 86400\n");
    EXPECT_EQ(d.max_per_domain, 3u);
    EXPECT_EQ(d.retry_max, seconds(86400));
    EXPECT_FALSE(queue::check_policy(policy_of(d)));
}

TEST(config_delivery, values_at_their_bounds_are_accepted) {
    auto d = delivery_of(
        "[delivery]\nsmtp_port = 1\nconnect_timeout = 600\nmax_parallel = 1\nmax_per_domain = 1\n"
        "retry_initial = 604800\nretry_max = 604800\nretry_growth = 100\n"
        "max_lifetime = 604801\ndelay_warning = 604800\n");
    EXPECT_EQ(d.smtp_port, 1);
    EXPECT_DOUBLE_EQ(d.retry_growth, 100.0);
    EXPECT_FALSE(queue::check_policy(policy_of(d)));
    d = delivery_of(
        "[delivery]\nsmtp_port = 65535\nconnect_timeout = 1\nmax_parallel = 10000\n"
        "max_per_domain = 10000\nretry_initial = 1\nretry_max = 1\nretry_growth = 1\n"
        "max_lifetime = 5184000\ndelay_warning = 0\n");
    EXPECT_EQ(d.max_per_domain, 10000u);
    EXPECT_DOUBLE_EQ(d.retry_growth, 1.0);
    EXPECT_FALSE(queue::check_policy(policy_of(d)));
    EXPECT_DOUBLE_EQ(delivery_of("[delivery]\nretry_growth = 3\n").retry_growth, 3.0) << "an integer is a number";
}

// The values queue::check_policy refuses are refused here too (config does
// not link the queue module, so the rules are repeated there).
TEST(config_delivery, refuses_what_check_policy_refuses) {
    struct c {
        const char* text;
        queue::retry_policy policy;
    };
    const c cases[] = {
        {"retry_initial = 0\n", {seconds(0), seconds(14400), 2.0, seconds(432000), seconds(0)}},
        {"retry_initial = 600\nretry_max = 599\n", {seconds(600), seconds(599), 2.0, seconds(432000), seconds(0)}},
        {"retry_growth = 0.99\n", {seconds(300), seconds(14400), 0.99, seconds(432000), seconds(0)}},
        {"retry_growth = 100.5\n", {seconds(300), seconds(14400), 100.5, seconds(432000), seconds(0)}},
        {"retry_growth = nan\n", {seconds(300), seconds(14400), std::nan(""), seconds(432000), seconds(0)}},
        {"max_lifetime = 0\n", {seconds(300), seconds(14400), 2.0, seconds(0), seconds(0)}},
        {"delay_warning = -1\n", {seconds(300), seconds(14400), 2.0, seconds(432000), seconds(-1)}},
        {"delay_warning = 432000\n", {seconds(300), seconds(14400), 2.0, seconds(432000), seconds(432000)}},
        {"max_lifetime = 100\ndelay_warning = 200\n", {seconds(300), seconds(14400), 2.0, seconds(100), seconds(200)}},
    };
    for (const auto& k : cases) {
        EXPECT_TRUE(queue::check_policy(k.policy)) << k.text;
        EXPECT_FALSE(parse(std::string("[delivery]\n") + k.text, "t.toml").cfg) << k.text;
    }
}

TEST(config_delivery, address_orders) {
    EXPECT_EQ(delivery_of("delivery.address_order = \"ipv6_first\"\n").addresses, address_order::ipv6_first);
    EXPECT_EQ(delivery_of("delivery.address_order = \"ipv4_first\"\n").addresses, address_order::ipv4_first);
    EXPECT_EQ(delivery_of("delivery.address_order = \"ipv6_only\"\n").addresses, address_order::ipv6_only);
    EXPECT_EQ(delivery_of("delivery.address_order = \"ipv4_only\"\n").addresses, address_order::ipv4_only);
}

TEST(config_delivery, dns_forwarder_forms) {
    struct c {
        const char* value;
        const char* address;
        std::uint16_t port;
    };
    const c cases[] = {
        {"127.0.0.1", "127.0.0.1", 53}, {"127.0.0.1:5353", "127.0.0.1", 5353}, {"::1", "::1", 53},
        {"[::1]:5353", "::1", 5353},    {"[fd00::53]", "fd00::53", 53},        {"", "", 53},
    };
    for (const auto& k : cases) {
        const auto d = delivery_of(std::string("[delivery]\ndns_forwarder = \"") + k.value + "\"\n");
        EXPECT_EQ(d.dns_forwarder, k.address) << k.value;
        EXPECT_EQ(d.dns_forwarder_port, k.port) << k.value;
    }
    for (const char* bad : {"localhost", "dns.example:53", "127.0.0.1:0", "127.0.0.1:65536", "[127.0.0.1]:53", "[::1",
                            "[::1]5353", "::1:", ":53", "127.0.0.1:53x", " 127.0.0.1"})
        EXPECT_FALSE(parse(std::string("[delivery]\ndns_forwarder = \"") + bad + "\"\n", "t.toml").cfg) << bad;
}

TEST(config_delivery, routes_with_ipv6_literals_and_ports) {
    const auto d = delivery_of(R"([delivery.routes]
"a.example" = "[::1]:2525"
"b.example" = "[::ffff:192.0.2.1]"
"c.example" = "[192.0.2.7]"
"d.example" = "[2001:DB8::1]:65535"
)");
    ASSERT_EQ(d.routes.size(), 4u);
    EXPECT_EQ(d.routes[0].second.host, "::1");
    EXPECT_EQ(d.routes[0].second.port, 2525);
    EXPECT_EQ(d.routes[1].second.host, "::ffff:192.0.2.1");
    EXPECT_EQ(d.routes[1].second.port, 25);
    EXPECT_EQ(d.routes[2].second.host, "192.0.2.7");
    EXPECT_EQ(d.routes[3].second.host, "2001:DB8::1");
    EXPECT_EQ(d.routes[3].second.port, 65535);
    for (const auto& [domain, route] : d.routes) EXPECT_TRUE(route.literal) << domain;
    // An inline table is the same thing.
    const auto e = delivery_of("[delivery]\nroutes = { \"x.example\" = \"[::1]:26\" }\n");
    ASSERT_EQ(e.routes.size(), 1u);
    EXPECT_EQ(e.routes[0].second.port, 26);
}

TEST(config_delivery, smarthost_ports_follow_tls) {
    auto d = delivery_of("[delivery.smarthost]\nhost = \"smtp.isp.example\"\n");
    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->port, 587);
    EXPECT_EQ(d.smarthost->tls, tls_mode::starttls);
    EXPECT_TRUE(d.smarthost->verify_certificate);
    EXPECT_TRUE(d.smarthost->ca_file.empty());
    EXPECT_TRUE(d.smarthost->username.empty());
    EXPECT_TRUE(d.smarthost->password.empty());
    EXPECT_EQ(d.smarthost->source_line, 1);
    d = delivery_of("[delivery.smarthost]\nhost = \"192.0.2.25\"\ntls = \"implicit\"\n");
    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->port, 465);
    d = delivery_of("[delivery.smarthost]\nport = 2465\ntls = \"implicit\"\nhost = \"::1\"\n");
    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->port, 2465);
    EXPECT_EQ(d.smarthost->host, "::1");
    d = delivery_of(
        "[delivery.smarthost]\nhost = \"h.example\"\ntls = \"starttls\"\nusername = \"u\"\n"
        "password = \"p w\"\n");
    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->username, "u");
    EXPECT_EQ(d.smarthost->password, "p w");
}

// ------------------------------------------------------------ password_file

TEST(config_delivery, password_file_is_read_relative_to_the_config_file) {
    test::temp_dir tmp;
    std::filesystem::create_directories(tmp.path() / "etc" / "private");
    struct c {
        const char* content;
        const char* password;
    };
    const c cases[] = {{"plain", "plain"},
                       {"with LF\n", "with LF"},
                       {"with CRLF\r\n", "with CRLF"},
                       {" spaces kept \n", " spaces kept "}};
    for (const auto& k : cases) {
        write_file(tmp.path() / "etc" / "private" / "pw", k.content);
        const auto file = tmp.path() / "etc" / "m.toml";
        write_file(file,
                   "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\n"
                   "password_file = \"private/pw\"\n");
        auto r = load_file(file);
        ASSERT_TRUE(r.cfg) << first_error(r);
        EXPECT_EQ(r.cfg->delivery.smarthost->password, k.password);
    }
    // parse() takes the directory from the source name as well.
    const auto source = (tmp.path() / "etc" / "virtual.toml").string();
    auto r = parse("[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword_file = \"private/pw\"\n",
                   source);
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->delivery.smarthost->password, " spaces kept ");
}

TEST(config_delivery, unusable_password_file_is_an_error_naming_the_path) {
    test::temp_dir tmp;
    const auto dir = tmp.path();
    write_file(dir / "empty", "");
    write_file(dir / "newline", "\n");
    write_file(dir / "two-lines", "first\nsecond\n");
    write_file(dir / "nul", std::string("a\0b", 3));
    write_file(dir / "long", std::string(4097, 'x'));
    write_file(dir / "longest", std::string(4096, 'x') + "\r\n");
    struct c {
        std::string name;
        std::string message;
    };
    const c cases[] = {
        {"missing", "cannot read '" + (dir / "missing").string() + "': No such file or directory"},
        {"empty/pw", "cannot read '" + (dir / "empty/pw").string() + "': Not a directory"},
        {".", "'" + (dir / ".").string() + "' is not a regular file"},
        {"empty", "'" + (dir / "empty").string() + "' is empty"},
        {"newline", "'" + (dir / "newline").string() + "' is empty"},
        {"two-lines",
         "'" + (dir / "two-lines").string() + "' must hold the password on one line (a NUL or a line break is inside)"},
        {"nul",
         "'" + (dir / "nul").string() + "' must hold the password on one line (a NUL or a line break is inside)"},
        {"long", "'" + (dir / "long").string() + "' is longer than 4096 bytes"},
    };
    for (const auto& k : cases) {
        const auto file = dir / "m.toml";
        write_file(file, "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword_file = \"" + k.name +
                             "\"\n");
        auto r = load_file(file);
        EXPECT_FALSE(r.cfg) << k.name;
        EXPECT_EQ(errors_of(r), std::vector<std::string>{"4:17: 'password_file': " + k.message}) << k.name;
    }
    const auto file = dir / "m.toml";
    write_file(file, "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword_file = \"longest\"\n");
    auto r = load_file(file);
    ASSERT_TRUE(r.cfg) << first_error(r);
    EXPECT_EQ(r.cfg->delivery.smarthost->password, std::string(4096, 'x'));
}

// ------------------------------------------------------------ errors

struct error_case {
    const char* what;
    std::string text;
    std::string expected;  // "line:col: message"
};

TEST(config_delivery, each_error_at_its_line_and_column) {
    const std::vector<error_case> cases{
        // shapes and unknown keys
        {"not a table", "delivery = 1\n", "1:12: 'delivery' must be a table ([delivery]), not an integer"},
        {"unknown", "[delivery]\nsmtp_prot = 25\n",
         "2:1: unknown key 'smtp_prot' in [delivery] (did you mean 'smtp_port'?)"},
        {"unknown far", "[delivery]\ncolour = 1\n", "2:1: unknown key 'colour' in [delivery]"},
        {"routes not a table", "[delivery]\nroutes = \"x\"\n",
         "2:10: 'routes' must be a table ([delivery.routes]), not a string"},
        {"smarthost not a table", "[delivery]\nsmarthost = []\n",
         "2:13: 'smarthost' must be a table ([delivery.smarthost]), not an array"},
        {"smarthost unknown", "[delivery.smarthost]\nhost = \"h\"\npasword = \"x\"\n",
         "3:1: unknown key 'pasword' in [delivery.smarthost] (did you mean 'password'?)"},
        // plain values
        {"smtp_port 0", "[delivery]\nsmtp_port = 0\n", "2:13: 'smtp_port' must be between 1 and 65535, not 0"},
        {"smtp_port string", "[delivery]\nsmtp_port = \"25\"\n", "2:13: 'smtp_port' must be an integer, not a string"},
        {"opportunistic_tls", "[delivery]\nopportunistic_tls = 1\n",
         "2:21: 'opportunistic_tls' must be true or false, not an integer"},
        {"address_order", "[delivery]\naddress_order = \"ipv6\"\n",
         "2:17: 'address_order' must be one of ipv6_first, ipv4_first, ipv6_only, ipv4_only; not 'ipv6'"},
        {"connect_timeout", "[delivery]\nconnect_timeout = 601\n",
         "2:19: 'connect_timeout' must be between 1 and 600, not 601"},
        {"max_parallel", "[delivery]\nmax_parallel = 10001\n",
         "2:16: 'max_parallel' must be between 1 and 10000, not 10001"},
        {"max_per_domain zero", "[delivery]\nmax_per_domain = 0\n",
         "2:18: 'max_per_domain' must be between 1 and 10000, not 0"},
        {"max_per_domain > max_parallel", "[delivery]\nmax_parallel = 4\nmax_per_domain = 5\n",
         "3:18: 'max_per_domain' (5) is more than 'max_parallel' (4)"},
        {"max_per_domain > default max_parallel", "[delivery]\nmax_per_domain = 21\n",
         "2:18: 'max_per_domain' (21) is more than 'max_parallel' (20)"},
        // retries
        {"retry_initial", "[delivery]\nretry_initial = 604801\n",
         "2:17: 'retry_initial' must be between 1 and 604800, not 604801"},
        {"retry_max below initial", "[delivery]\nretry_initial = 600\nretry_max = 300\n",
         "3:13: 'retry_max' (300) is less than 'retry_initial' (600)"},
        {"retry_max below default initial", "[delivery]\nretry_max = 299\n",
         "2:13: 'retry_max' (299) is less than 'retry_initial' (300)"},
        {"retry_growth low", "[delivery]\nretry_growth = 0.5\n",
         "2:16: 'retry_growth' must be between 1 and 100, not 0.5"},
        {"retry_growth high", "[delivery]\nretry_growth = 101\n",
         "2:16: 'retry_growth' must be between 1 and 100, not 101"},
        {"retry_growth inf", "[delivery]\nretry_growth = inf\n",
         "2:16: 'retry_growth' must be between 1 and 100, not inf"},
        {"retry_growth string", "[delivery]\nretry_growth = \"2\"\n",
         "2:16: 'retry_growth' must be a number, not a string"},
        {"max_lifetime", "[delivery]\nmax_lifetime = 5184001\n",
         "2:16: 'max_lifetime' must be between 1 and 5184000, not 5184001"},
        {"delay_warning negative", "[delivery]\ndelay_warning = -1\n",
         "2:17: 'delay_warning' must be between 0 and 5184000, not -1"},
        {"delay_warning at lifetime", "[delivery]\nmax_lifetime = 3600\ndelay_warning = 3600\n",
         "3:17: 'delay_warning' (3600) must be less than 'max_lifetime' (3600), or 0 for none"},
        {"delay_warning over default lifetime", "[delivery]\ndelay_warning = 500000\n",
         "2:17: 'delay_warning' (500000) must be less than 'max_lifetime' (432000), or 0 for none"},
        // DNS
        {"dns_forwarder name", "[delivery]\ndns_forwarder = \"ns.example\"\n",
         "2:17: 'dns_forwarder' must be an IP address with an optional port (\"127.0.0.1\", \"127.0.0.1:5353\", "
         "\"::1\", \"[::1]:5353\"), not 'ns.example'"},
        {"dns_special_zones", "[delivery]\ndns_special_zones = [\"test\", \"bad_zone\"]\n",
         "2:30: 'dns_special_zones': 'bad_zone' is not a valid domain name"},
        {"dns_special_zones twice", "[delivery]\ndns_special_zones = [\"test\", \"TEST\"]\n",
         "2:30: 'dns_special_zones': 'test' is listed twice"},
        // routes
        {"route not an ip", "[delivery.routes]\n\"p.example\" = \"[not-an-ip]\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': '[not-an-ip]': 'not-an-ip' in brackets is not an IPv4 "
         "or IPv6 address"},
        {"route bare address", "[delivery.routes]\n\"p.example\" = \"10.0.0.5:2525\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': '10.0.0.5:2525': write an address in brackets, as "
         "\"[10.0.0.5]:2525\""},
        {"route bare IPv6", "[delivery.routes]\n\"p.example\" = \"::1\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': '::1': write an address in brackets, as \"[::1]\""},
        {"route port 0", "[delivery.routes]\n\"p.example\" = \"[::1]:0\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': '[::1]:0' must be \"host\", \"host:port\", "
         "\"[address]\" or \"[address]:port\" (port 1 to 65535)"},
        {"route empty", "[delivery.routes]\n\"p.example\" = \"\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': '' must be \"host\", \"host:port\", \"[address]\" or "
         "\"[address]:port\" (port 1 to 65535)"},
        {"route bad host", "[delivery.routes]\n\"p.example\" = \"relay_1.example\"\n",
         "2:15: [delivery.routes]: the route for 'p.example': 'relay_1.example': 'relay_1.example' is not a valid "
         "host name"},
        {"route integer", "[delivery.routes]\n\"p.example\" = 25\n",
         "2:15: [delivery.routes]: the route for 'p.example' must be a string, not an integer"},
        {"route dotted key", "[delivery.routes]\npartner.example = \"[10.0.0.5]\"\n",
         "2:1: [delivery.routes]: the route for 'partner' must be a string, not a table (a domain with dots is "
         "written in quotes: \"partner.example\" = ...)"},
        {"route bad domain", "[delivery.routes]\n\"bad domain\" = \"[::1]\"\n",
         "2:1: [delivery.routes]: 'bad domain' is not a valid domain name"},
        {"route twice", "[delivery.routes]\n\"p.example\" = \"[::1]\"\n\n\"P.Example\" = \"[::2]\"\n",
         "4:1: [delivery.routes]: 'p.example' has two routes (also on line 2)"},
        // smarthost
        {"smarthost without host", "[delivery]\nsmtp_port = 25\n[delivery.smarthost]\nport = 587\n",
         "3:1: [delivery.smarthost] needs a 'host'"},
        {"smarthost host with port", "[delivery.smarthost]\nhost = \"smtp.isp.example:587\"\n",
         "2:8: 'host' must be a host name or an IP address (the port goes in 'port'), not 'smtp.isp.example:587'"},
        {"smarthost tls none", "[delivery.smarthost]\nhost = \"h.example\"\ntls = \"none\"\n",
         "3:7: [delivery.smarthost] 'tls' cannot be \"none\": the password and the mail would cross the network in "
         "cleartext; use \"starttls\" or \"implicit\""},
        {"smarthost tls other", "[delivery.smarthost]\nhost = \"h.example\"\ntls = \"ssl\"\n",
         "3:7: 'tls' must be starttls or implicit; not 'ssl'"},
        {"smarthost port", "[delivery.smarthost]\nhost = \"h.example\"\nport = 0\n",
         "3:8: 'port' must be between 1 and 65535, not 0"},
        {"smarthost verify", "[delivery.smarthost]\nhost = \"h.example\"\nverify_certificate = \"no\"\n",
         "3:22: 'verify_certificate' must be true or false, not a string"},
        {"smarthost ca_file empty", "[delivery.smarthost]\nhost = \"h.example\"\nca_file = \"\"\n",
         "3:11: 'ca_file' must not be empty"},
        {"username without password", "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\n",
         "3:12: [delivery.smarthost] 'username' needs a 'password' or a 'password_file'"},
        {"password without username", "[delivery.smarthost]\nhost = \"h.example\"\npassword = \"p\"\n",
         "3:12: [delivery.smarthost] 'password' needs a 'username'"},
        {"both passwords",
         "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword = \"p\"\n"
         "password_file = \"no-such-file\"\n",
         "5:17: [delivery.smarthost] takes 'password' or 'password_file', not both"},
        {"empty password", "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword = \"\"\n",
         "4:12: 'password' must not be empty"},
        {"password with newline",
         "[delivery.smarthost]\nhost = \"h.example\"\nusername = \"u\"\npassword = \"a\\nb\"\n",
         "4:12: 'password' must not contain a NUL or a line break"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.text, "t.toml");
        EXPECT_FALSE(r.cfg) << c.what;
        EXPECT_EQ(errors_of(r), std::vector<std::string>{c.expected}) << c.what << "\n" << c.text;
    }
}

TEST(config_delivery, errors_are_reported_with_the_others_in_file_order) {
    auto r = parse(R"(hostname = "-x"
[delivery]
max_parallel = 0
address_order = "v6"
[delivery.routes]
"a.example" = "[x]"
[delivery.smarthost]
tls = "none"
[[listener]]
name = "bad name"
)",
                   "many.toml");
    EXPECT_FALSE(r.cfg);
    const auto got = errors_of(r);
    ASSERT_EQ(got.size(), 7u) << ::testing::PrintToString(got);
    const int lines[] = {1, 3, 4, 6, 7, 8, 10};
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(r.errors[i].line, lines[i]) << got[i];
}

// ------------------------------------------------------------ documentation

std::string read_source_file(const char* relative) {
    std::ifstream in(std::string(MAILROOM_SOURCE_DIR "/") + relative, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The ```toml block of a document that starts with [delivery], as written
// except its password_file line: dropped when the block has a password line
// too (it shows both as alternatives), else pointed at a real file.
load_result delivery_example_of(const char* document, const std::filesystem::path& secret) {
    const auto doc = read_source_file(document);
    const auto header = doc.find("```toml\n[delivery]\n");
    if (header == std::string::npos) return {std::nullopt, {{document, 0, 0, "no ```toml block with [delivery]"}}};
    const auto body = header + 8;
    const auto block = doc.substr(body, doc.find("```", body) - body);
    const bool has_password = block.find("\npassword = ") != std::string::npos;
    std::istringstream lines(block);
    std::string text, line;
    while (std::getline(lines, line)) {
        if (line.rfind("password_file = ", 0) == 0) {
            if (has_password) continue;
            line = "password_file = \"" + secret.string() + "\"";
        }
        text += line + "\n";
    }
    return parse(text, std::string(document) + " example");
}

TEST(config_delivery, docs_and_readme_examples_load) {
    test::temp_dir tmp;
    write_file(tmp.path() / "secret", "from-file\n");
    for (const char* document : {"docs/config.md", "README.md"}) {
        auto r = delivery_example_of(document, tmp.path() / "secret");
        ASSERT_TRUE(r.cfg) << first_error(r);
        const auto& d = r.cfg->delivery;
        EXPECT_EQ(d.routes.size(), 2u) << document;
        EXPECT_EQ(d.dns_forwarder_port, 5353) << document;
        ASSERT_TRUE(d.smarthost) << document;
        EXPECT_FALSE(d.smarthost->password.empty()) << document;
    }
}

bool is_key_line(const std::string& s) {
    const auto eq = s.find(" = ");
    return eq != std::string::npos && eq > 0 && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == eq;
}

// The commented-out routes and smarthost of the example are valid too
// (password_file left commented: no such file here).
TEST(config_delivery, example_with_routes_and_smarthost_uncommented_loads) {
    std::ifstream in(MAILROOM_SOURCE_DIR "/etc/mailroom.example.toml");
    ASSERT_TRUE(in);
    std::string text, line;
    bool in_delivery = false;
    int uncommented = 0;
    while (std::getline(in, line)) {
        if (line == "# [delivery.routes]") in_delivery = true;
        if (in_delivery && line.rfind("# ", 0) == 0) {
            const auto rest = line.substr(2);
            if ((rest.rfind("[delivery.", 0) == 0 || rest.rfind("\"", 0) == 0 || is_key_line(rest)) &&
                rest.rfind("password_file = ", 0) != 0) {
                line = rest;
                ++uncommented;
            }
        }
        text += line + "\n";
    }
    ASSERT_GE(uncommented, 11) << "the example no longer has commented routes and smarthost";
    auto r = parse(text, "example.toml");
    ASSERT_TRUE(r.cfg) << first_error(r);
    const auto& d = r.cfg->delivery;
    EXPECT_EQ(d.routes.size(), 2u);
    ASSERT_TRUE(d.smarthost);
    EXPECT_EQ(d.smarthost->host, "smtp.isp.example");
    EXPECT_EQ(d.smarthost->username, "me@isp.example");
    EXPECT_FALSE(d.smarthost->password.empty());
    EXPECT_FALSE(d.smarthost->ca_file.empty());
}

TEST(config_delivery, docs_and_example_mention_every_key) {
    const auto doc = read_source_file("docs/config.md");
    const auto example = read_source_file("etc/mailroom.example.toml");
    const char* keys[] = {"smtp_port",
                          "opportunistic_tls",
                          "address_order",
                          "connect_timeout",
                          "max_parallel",
                          "max_per_domain",
                          "retry_initial",
                          "retry_max",
                          "retry_growth",
                          "max_lifetime",
                          "delay_warning",
                          "dns_forwarder",
                          "dns_special_zones",
                          "host",
                          "port",
                          "tls",
                          "verify_certificate",
                          "ca_file",
                          "username",
                          "password",
                          "password_file"};
    for (const char* k : keys) {
        EXPECT_NE(doc.find("| `" + std::string(k) + "` |"), std::string::npos) << k << " not in docs/config.md";
        EXPECT_NE(example.find(std::string(k) + " = "), std::string::npos) << k << " not in the example";
    }
    EXPECT_NE(example.find("[delivery.routes]"), std::string::npos);
    EXPECT_NE(example.find("[delivery.smarthost]"), std::string::npos);
}

}  // namespace
}  // namespace mailroom::config
