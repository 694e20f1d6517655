// The MX route planner: turns the answer to an MX query into the ordered
// list of hosts to try (RFC 5321 §5.1) or a failure that says whether to
// bounce or retry. Sans-I/O: the answer and the random source come in, so
// every rule is unit-tested; the resolver asks DNS, delivery calls this.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "dns/rdata.hpp"
#include "dns/route_failure.hpp"

namespace mailroom::dns {

struct mx_policy {
    // At most this many MX hosts are kept, the most preferred ones: a hostile
    // zone can list hundreds, and RFC 5321 §5.1 allows a configurable limit.
    std::size_t max_mx_hosts = 10;
    // Names of this host (canonical form). RFC 5321 §5.1: when the client is
    // itself an MX, only hosts with a strictly lower preference are tried.
    std::vector<std::string> local_names;
};

struct mx_route {
    std::vector<std::string> hosts;  // canonical names, most preferred first
    bool implicit_mx = false;        // no MX records: the domain itself
};

using mx_plan = std::variant<mx_route, route_failure>;

// `answer` is what the resolver said for `domain` MX: the records, or
// no_data (name exists, no MX), no_such_domain, or a temporary error.
//   records        -> hosts by ascending preference, equal preferences in
//                     random order (RFC 5321 §5.1 "SHOULD ... spread the load"),
//                     duplicates, IP-address-like and root targets dropped
//   only root targets (null MX, RFC 7505 §3) -> permanent 556 5.1.10
//   no usable MX   -> permanent 550 5.4.4 (RFC 5321 §5.1 "MUST be reported")
//   we are the best MX -> permanent 550 5.4.6 (routing loop, RFC 3463)
//   no_data / empty -> implicit MX: the domain itself (RFC 5321 §5.1)
//   no_such_domain, invalid domain -> permanent 550 5.1.2
//   anything else  -> temporary 451 4.4.3
mx_plan plan_mx_route(std::string_view domain, const result<std::vector<mx_record>>& answer, const mx_policy& policy,
                      random_source& random);

}  // namespace mailroom::dns
