// DNS outcomes as error codes (category "dns"), so lookups return
// result<T> like every other environment error (STYLE.md §7). Whether an
// outcome is permanent (bounce) or temporary (retry) is decided here once.
// Used by the resolver, the route planners and, later, src/delivery/.
#pragma once

#include <string>
#include <system_error>

namespace mailroom::dns {

enum class errc {
    ok = 0,
    no_such_domain = 1,  // NXDOMAIN (RFC 1035 §4.1.1 rcode 3): permanent
    no_data,             // the name exists but has no record of the type asked
    server_failure,      // SERVFAIL, REFUSED or another rcode: temporary
    timed_out,           // no answer before our deadline: temporary
    malformed_answer,    // records present but none could be parsed: temporary
    invalid_name,        // the name asked for is not a host name: permanent
    resolver_failure,    // libunbound failed locally (memory, sockets): temporary
};

const std::error_category& dns_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), dns_category()}; }

// True for outcomes no retry can change: NXDOMAIN and names that cannot be
// asked. no_data is neither: its meaning depends on the record type (no MX
// means "implicit MX", no address means "try the next host").
bool is_permanent(const std::error_code& ec) noexcept;

}  // namespace mailroom::dns

template <>
struct std::is_error_code_enum<mailroom::dns::errc> : std::true_type {};
