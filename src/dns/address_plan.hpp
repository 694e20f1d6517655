// The address planner: merges the A and AAAA answers for one host into the
// ordered list of addresses to connect to. Sans-I/O; the resolver calls it
// for lookup_addresses(), and its rules are unit-tested on their own.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <vector>

#include "common/result.hpp"

namespace mailroom::dns {

// Default ipv6_first: with both families configured (like Postfix's
// inet_protocols = all) IPv6 is tried first, but the families alternate
// (RFC 8305 §4) so one broken family costs one attempt, not all of them.
enum class address_order { ipv6_first, ipv4_first, ipv6_only, ipv4_only };

struct address_policy {
    address_order order = address_order::ipv6_first;
    // Per host; a hostile zone can return hundreds of addresses for one name.
    std::size_t max_addresses_per_host = 8;
};

using v4_answer = result<std::vector<boost::asio::ip::address_v4>>;
using v6_answer = result<std::vector<boost::asio::ip::address_v6>>;

// The addresses in connection order, without duplicates, unspecified
// (0.0.0.0, ::) or multicast addresses, at most max_addresses_per_host.
// With none left the error is, in this order: a temporary error or
// invalid_name from either answer, no_such_domain if every answer asked
// said so, else no_data. An answer for a family the policy excludes is ignored. For a host
// named by an MX record, no_such_domain and no_data mean "skip this host",
// not "bounce": only the MX answer itself decides that (mx_plan.hpp).
result<std::vector<boost::asio::ip::address>> plan_addresses(const v6_answer& aaaa, const v4_answer& a,
                                                             const address_policy& policy);

}  // namespace mailroom::dns
