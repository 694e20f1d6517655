#include "dns/address_plan.hpp"

#include <gtest/gtest.h>

#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

using boost::asio::ip::make_address_v4;
using boost::asio::ip::make_address_v6;

std::vector<std::string> text(const result<std::vector<boost::asio::ip::address>>& r) {
    EXPECT_TRUE(r) << r.error().message();
    std::vector<std::string> out;
    if (r)
        for (const auto& a : *r) out.push_back(a.to_string());
    return out;
}

const v6_answer two_v6 = std::vector{make_address_v6("2001:db8::1"), make_address_v6("2001:db8::2")};
const v4_answer three_v4 = std::vector{make_address_v4("192.0.2.1"), make_address_v4("192.0.2.2"),
                                       make_address_v4("192.0.2.3")};

address_policy with(address_order order, std::size_t max = 8) {
    address_policy p;
    p.order = order;
    p.max_addresses_per_host = max;
    return p;
}

TEST(AddressPlan, DefaultInterleavesStartingWithIpv6) {
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, {})),
              (std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2", "192.0.2.3"}));
}

TEST(AddressPlan, Ipv4First) {
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, with(address_order::ipv4_first))),
              (std::vector<std::string>{"192.0.2.1", "2001:db8::1", "192.0.2.2", "2001:db8::2", "192.0.2.3"}));
}

TEST(AddressPlan, SingleFamilyPolicies) {
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, with(address_order::ipv6_only))),
              (std::vector<std::string>{"2001:db8::1", "2001:db8::2"}));
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, with(address_order::ipv4_only))),
              (std::vector<std::string>{"192.0.2.1", "192.0.2.2", "192.0.2.3"}));
    // The excluded family's failure does not matter.
    EXPECT_TRUE(plan_addresses(make_error_code(errc::timed_out), three_v4, with(address_order::ipv4_only)));
}

TEST(AddressPlan, OnlyAaaa) {
    EXPECT_EQ(text(plan_addresses(two_v6, make_error_code(errc::no_data), {})),
              (std::vector<std::string>{"2001:db8::1", "2001:db8::2"}));
}

TEST(AddressPlan, CapPerHost) {
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, with(address_order::ipv6_first, 3))),
              (std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2"}));
    EXPECT_EQ(text(plan_addresses(two_v6, three_v4, with(address_order::ipv6_first, 0))).size(), 1u);
}

TEST(AddressPlan, DropsUnspecifiedMulticastAndDuplicates) {
    v4_answer a = std::vector{make_address_v4("0.0.0.0"), make_address_v4("224.0.0.1"), make_address_v4("192.0.2.9"),
                              make_address_v4("192.0.2.9")};
    v6_answer aaaa = std::vector{make_address_v6("::"), make_address_v6("ff02::1")};
    EXPECT_EQ(text(plan_addresses(aaaa, a, {})), std::vector<std::string>{"192.0.2.9"});

    auto none = plan_addresses(aaaa, std::vector{make_address_v4("0.0.0.0")}, {});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), errc::no_data);
}

TEST(AddressPlan, ErrorsWhenNothingIsLeft) {
    auto e = [](errc c) { return make_error_code(c); };
    auto both = [&](errc six, errc four) { return plan_addresses(e(six), e(four), {}).error(); };
    EXPECT_EQ(both(errc::no_such_domain, errc::no_such_domain), errc::no_such_domain);
    EXPECT_EQ(both(errc::no_data, errc::no_data), errc::no_data);
    EXPECT_EQ(both(errc::no_such_domain, errc::no_data), errc::no_data);
    EXPECT_EQ(both(errc::timed_out, errc::no_such_domain), errc::timed_out);
    EXPECT_EQ(both(errc::no_data, errc::server_failure), errc::server_failure);
    EXPECT_EQ(both(errc::invalid_name, errc::invalid_name), errc::invalid_name);
}

}  // namespace
}  // namespace mailroom::dns
