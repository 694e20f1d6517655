// The real libunbound resolver against a real dnsmasq on a free loopback
// port: MX preferences, equal-preference shuffling, implicit MX, null MX,
// NXDOMAIN, AAAA-only hosts, CNAMEs, REFUSED and a silent server (timeout).
#include "dns/resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <optional>
#include <set>

#include "dns/errors.hpp"
#include "dns/mx_plan.hpp"
#include "support/dnsmasq.hpp"
#include "support/fixed_env.hpp"

namespace mailroom::dns {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Each call runs the io_context for at most this long.
constexpr auto run_limit = 20s;

class DnsResolver : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::dnsmasq_server({
            "--mx-host=multi.test,mx1.multi.test,10",
            "--mx-host=multi.test,mx2.multi.test,20",
            "--mx-host=multi.test,mx3.multi.test,20",
            "--mx-host=multi.test,mx4.multi.test,20",
            "--mx-host=multi.test,mx9.multi.test,90",
            "--host-record=mx1.multi.test,127.0.0.11",
            "--host-record=mx2.multi.test,127.0.0.12",
            "--host-record=mx3.multi.test,127.0.0.13",
            "--host-record=mx4.multi.test,127.0.0.14",
            "--host-record=nomx.test,127.0.0.20,::20",
            "--dns-rr=nullmx.test,15,000000",  // MX 0 "." (RFC 7505)
            "--host-record=nullmx.test,127.0.0.21",
            "--host-record=v6only.test,::6",
            "--cname=alias.test,real.test",
            "--host-record=real.test,127.0.0.30",
            "--mx-host=viacname.test,alias.test,5",
        });
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    resolver_options options(std::chrono::milliseconds timeout = 10s) const {
        resolver_options o;
        o.forwarder_address = "127.0.0.1";
        o.forwarder_port = server_->port();
        o.forwarded_special_zones = {"test"};
        o.lookup_timeout = timeout;
        return o;
    }

    // Results travel through the coroutine, not the completion handler:
    // g++ 12 warns (maybe-uninitialized) on a result<vector> in the latter.
    template <class T>
    static asio::awaitable<void> store(asio::awaitable<T> op, std::optional<T>& out) {
        auto value = co_await std::move(op);
        out.emplace(std::move(value));
    }

    template <class T>
    T run(asio::awaitable<T> op) {
        std::optional<T> out;
        asio::co_spawn(io_, store(std::move(op), out), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
        io_.restart();
        io_.run_for(run_limit);
        if (!out) throw std::runtime_error("lookup did not finish in time");
        return std::move(*out);
    }

    static std::vector<std::string> texts(const result<std::vector<asio::ip::address>>& r) {
        std::vector<std::string> out;
        if (r)
            for (const auto& a : *r) out.push_back(a.to_string());
        return out;
    }

    static test::dnsmasq_server* server_;
    asio::io_context io_;
};

test::dnsmasq_server* DnsResolver::server_ = nullptr;

TEST_F(DnsResolver, MxRecordsInPreferenceOrder) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("multi.test"));
    ASSERT_TRUE(mx) << mx.error().message();
    EXPECT_EQ(mx->size(), 5u);

    test::seeded_random random(1);
    auto plan = plan_mx_route("multi.test", mx, {}, random);
    ASSERT_TRUE(std::holds_alternative<mx_route>(plan));
    const auto& hosts = std::get<mx_route>(plan).hosts;
    ASSERT_EQ(hosts.size(), 5u);
    EXPECT_EQ(hosts.front(), "mx1.multi.test");
    EXPECT_EQ(std::set<std::string>(hosts.begin() + 1, hosts.end() - 1),
              (std::set<std::string>{"mx2.multi.test", "mx3.multi.test", "mx4.multi.test"}));
    EXPECT_EQ(hosts.back(), "mx9.multi.test");

    auto first = run(r.lookup_addresses(hosts.front(), {}));
    EXPECT_EQ(texts(first), std::vector<std::string>{"127.0.0.11"});
    // An MX host whose name does not exist: the caller moves on to the next.
    auto none = run(r.lookup_addresses("mx9.multi.test", {}));
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), errc::no_such_domain);
}

TEST_F(DnsResolver, EqualPreferencesAreSpreadOverLookups) {
    resolver r(io_.get_executor(), options());
    std::set<std::string> leaders;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        auto mx = run(r.lookup_mx("multi.test"));
        ASSERT_TRUE(mx);
        test::seeded_random random(seed);
        auto plan = plan_mx_route("multi.test", mx, {}, random);
        ASSERT_TRUE(std::holds_alternative<mx_route>(plan));
        leaders.insert(std::get<mx_route>(plan).hosts.at(1));
    }
    EXPECT_EQ(leaders.size(), 3u);
}

TEST_F(DnsResolver, NoMxFallsBackToTheDomainsAddresses) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("nomx.test"));
    ASSERT_FALSE(mx);
    EXPECT_EQ(mx.error(), errc::no_data);
    test::seeded_random random;
    auto plan = plan_mx_route("nomx.test", mx, {}, random);
    ASSERT_TRUE(std::holds_alternative<mx_route>(plan));
    EXPECT_TRUE(std::get<mx_route>(plan).implicit_mx);
    EXPECT_EQ(std::get<mx_route>(plan).hosts, std::vector<std::string>{"nomx.test"});
    EXPECT_EQ(texts(run(r.lookup_addresses("nomx.test", {}))), (std::vector<std::string>{"::20", "127.0.0.20"}));
    address_policy v4_first;
    v4_first.order = address_order::ipv4_first;
    EXPECT_EQ(texts(run(r.lookup_addresses("nomx.test", v4_first))), (std::vector<std::string>{"127.0.0.20", "::20"}));
}

TEST_F(DnsResolver, NullMxBounces) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("nullmx.test"));
    ASSERT_TRUE(mx) << mx.error().message();
    ASSERT_EQ(mx->size(), 1u);
    EXPECT_EQ(mx->front(), (mx_record{0, ""}));
    test::seeded_random random;
    auto plan = plan_mx_route("nullmx.test", mx, {}, random);
    ASSERT_TRUE(std::holds_alternative<route_failure>(plan));
    EXPECT_EQ(std::get<route_failure>(plan).reply_code, 556u);
    EXPECT_EQ(std::get<route_failure>(plan).enhanced_status, "5.1.10");
}

TEST_F(DnsResolver, NxdomainIsPermanent) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("nowhere.test"));
    ASSERT_FALSE(mx);
    EXPECT_EQ(mx.error(), errc::no_such_domain);
    EXPECT_TRUE(is_permanent(mx.error()));
    auto addresses = run(r.lookup_addresses("nowhere.test", {}));
    ASSERT_FALSE(addresses);
    EXPECT_EQ(addresses.error(), errc::no_such_domain);
}

TEST_F(DnsResolver, HostWithOnlyAaaa) {
    resolver r(io_.get_executor(), options());
    auto a = run(r.lookup_a("v6only.test"));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error(), errc::no_data);
    EXPECT_EQ(texts(run(r.lookup_addresses("v6only.test", {}))), std::vector<std::string>{"::6"});
    address_policy v4_only;
    v4_only.order = address_order::ipv4_only;
    auto none = run(r.lookup_addresses("v6only.test", v4_only));
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), errc::no_data);
}

TEST_F(DnsResolver, CnamesAreFollowed) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("viacname.test"));
    ASSERT_TRUE(mx) << mx.error().message();
    EXPECT_EQ(mx->front(), (mx_record{5, "alias.test"}));
    EXPECT_EQ(texts(run(r.lookup_addresses("alias.test", {}))), std::vector<std::string>{"127.0.0.30"});
}

TEST_F(DnsResolver, InvalidNamesAreNotAsked) {
    resolver r(io_.get_executor(), options());
    for (const char* name : {"bad name.test", "", "192.0.2.1", "a..test"}) {
        auto mx = run(r.lookup_mx(name));
        ASSERT_FALSE(mx) << name;
        EXPECT_EQ(mx.error(), errc::invalid_name) << name;
    }
    EXPECT_EQ(r.lookups_in_flight(), 0u);
}

TEST_F(DnsResolver, RefusedIsTemporary) {
    resolver r(io_.get_executor(), options());
    auto mx = run(r.lookup_mx("example.org"));  // outside the served zone: REFUSED
    ASSERT_FALSE(mx);
    EXPECT_FALSE(is_permanent(mx.error())) << mx.error().message();
    test::seeded_random random;
    auto plan = plan_mx_route("example.org", mx, {}, random);
    ASSERT_TRUE(std::holds_alternative<route_failure>(plan));
    EXPECT_FALSE(std::get<route_failure>(plan).permanent);
    EXPECT_EQ(std::get<route_failure>(plan).enhanced_status, "4.4.3");
}

TEST_F(DnsResolver, SilentServerTimesOutAndTheResolverStaysUsable) {
    // A UDP socket that reads nothing and answers nothing.
    asio::ip::udp::socket silent(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    resolver_options o = options(700ms);
    o.forwarder_port = silent.local_endpoint().port();
    resolver r(io_.get_executor(), o);
    const auto started = std::chrono::steady_clock::now();
    auto mx = run(r.lookup_mx("multi.test"));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(mx);
    EXPECT_EQ(mx.error(), errc::timed_out);
    EXPECT_GE(took, 600ms);
    EXPECT_LT(took, 5s);
    EXPECT_EQ(r.lookups_in_flight(), 0u);
    auto again = run(r.lookup_addresses("nomx.test", {}));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), errc::timed_out);
}

TEST_F(DnsResolver, DestroyingTheResolverEndsItsLookups) {
    asio::ip::udp::socket silent(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    resolver_options o = options(10s);
    o.forwarder_port = silent.local_endpoint().port();
    auto r = std::make_unique<resolver>(io_.get_executor(), o);
    std::optional<result<std::vector<mx_record>>> mx;
    asio::co_spawn(io_, store(r->lookup_mx("multi.test"), mx), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io_.run_for(100ms);
    EXPECT_EQ(r->lookups_in_flight(), 1u);
    EXPECT_FALSE(mx);
    r.reset();
    io_.restart();
    io_.run_for(run_limit);
    ASSERT_TRUE(mx);
    ASSERT_FALSE(*mx);
    EXPECT_EQ(mx->error(), errc::resolver_failure);
}

TEST_F(DnsResolver, ManyConcurrentLookups) {
    resolver r(io_.get_executor(), options());
    std::vector<std::optional<result<std::vector<mx_record>>>> answers(50);
    for (std::size_t i = 0; i < answers.size(); ++i)
        asio::co_spawn(io_, store(r.lookup_mx(i % 2 ? "multi.test" : "nowhere.test"), answers[i]),
                       [](std::exception_ptr e) {
                           if (e) std::rethrow_exception(e);
                       });
    io_.run_for(run_limit);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_TRUE(answers[i]) << i;
        if (i % 2) EXPECT_TRUE(*answers[i] && (*answers[i])->size() == 5u) << i;
        else EXPECT_EQ(answers[i]->error(), errc::no_such_domain) << i;
    }
    EXPECT_EQ(r.lookups_in_flight(), 0u);
}

}  // namespace
}  // namespace mailroom::dns
