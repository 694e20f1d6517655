#include "dns/address_plan.hpp"

#include <algorithm>

#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

using boost::asio::ip::address;

// A mail server is never at the unspecified or a multicast address; a zone
// that says so is either broken or trying to make us talk to ourselves.
bool is_connectable(const address& a) { return !a.is_unspecified() && !a.is_multicast(); }

template <class Answer>
std::vector<address> usable(const Answer& answer) {
    std::vector<address> out;
    if (!answer) return out;
    for (const auto& a : *answer) {
        address generic(a);
        if (is_connectable(generic) && std::find(out.begin(), out.end(), generic) == out.end()) out.push_back(generic);
    }
    return out;
}

}  // namespace

result<std::vector<address>> plan_addresses(const v6_answer& aaaa, const v4_answer& a, const address_policy& policy) {
    const bool want_v6 = policy.order != address_order::ipv4_only;
    const bool want_v4 = policy.order != address_order::ipv6_only;
    auto v6 = want_v6 ? usable(aaaa) : std::vector<address>{};
    auto v4 = want_v4 ? usable(a) : std::vector<address>{};

    const bool v4_leads = policy.order == address_order::ipv4_first || policy.order == address_order::ipv4_only;
    const auto& lead = v4_leads ? v4 : v6;
    const auto& follow = v4_leads ? v6 : v4;
    const auto cap = std::max<std::size_t>(policy.max_addresses_per_host, 1);
    std::vector<address> out;
    for (std::size_t i = 0; out.size() < cap && (i < lead.size() || i < follow.size()); ++i) {
        if (i < lead.size()) out.push_back(lead[i]);
        if (i < follow.size() && out.size() < cap) out.push_back(follow[i]);
    }
    if (!out.empty()) return out;

    std::vector<std::error_code> errors;
    if (want_v6 && !aaaa) errors.push_back(aaaa.error());
    if (want_v4 && !a) errors.push_back(a.error());
    for (const auto& ec : errors)
        if ((!is_permanent(ec) && ec != errc::no_data) || ec == errc::invalid_name) return ec;
    const std::size_t asked = (want_v6 ? 1 : 0) + (want_v4 ? 1 : 0);
    if (errors.size() == asked &&
        std::all_of(errors.begin(), errors.end(), [](const std::error_code& ec) { return ec == errc::no_such_domain; }))
        return make_error_code(errc::no_such_domain);
    return make_error_code(errc::no_data);
}

}  // namespace mailroom::dns
