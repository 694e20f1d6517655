// Turns what libunbound delivers to a callback (an error number and a
// ub_result) into result<records>: rcodes and flags become dns::errc, each
// rdata item goes through the checked parsers of rdata.hpp. Kept apart from
// the resolver so it is unit-tested with hand-made ub_result structures.
#pragma once

#include <unbound.h>

#include <vector>

#include "common/result.hpp"
#include "dns/rdata.hpp"

namespace mailroom::dns::detail {

// RR types (RFC 1035 §3.2.2, RFC 3596 §2.1) and class IN.
inline constexpr int rr_type_a = 1;
inline constexpr int rr_type_mx = 15;
inline constexpr int rr_type_aaaa = 28;
inline constexpr int rr_class_in = 1;

// `err` is the callback's error (0 = a result is there); `r` may be null.
// Items that fail to parse are skipped; if every item fails the answer is
// malformed_answer. NXDOMAIN -> no_such_domain, other non-zero rcode ->
// server_failure, no data -> no_data.
result<std::vector<mx_record>> mx_answer(int err, const ub_result* r);
result<std::vector<boost::asio::ip::address_v4>> a_answer(int err, const ub_result* r);
result<std::vector<boost::asio::ip::address_v6>> aaaa_answer(int err, const ub_result* r);

}  // namespace mailroom::dns::detail
