#include "dns/mx_plan.hpp"

#include <algorithm>

#include "dns/errors.hpp"
#include "dns/host_name.hpp"

namespace mailroom::dns {
namespace {

route_failure failure(bool permanent, unsigned code, std::string status, std::string text) {
    return route_failure{permanent, code, std::move(status), std::move(text)};
}

// Fisher-Yates within each run of equal preference. The modulo bias is
// irrelevant for spreading load over a handful of hosts.
void shuffle_equal_preferences(std::vector<mx_record>& records, random_source& random) {
    auto run_begin = records.begin();
    while (run_begin != records.end()) {
        auto run_end = std::find_if(run_begin, records.end(),
                                    [&](const mx_record& r) { return r.preference != run_begin->preference; });
        for (auto n = static_cast<std::size_t>(run_end - run_begin); n > 1; --n) {
            auto pick = static_cast<std::ptrdiff_t>(random.next_u64() % n);
            std::swap(run_begin[pick], run_begin[static_cast<std::ptrdiff_t>(n - 1)]);
        }
        run_begin = run_end;
    }
}

}  // namespace

mx_plan plan_mx_route(std::string_view domain, const result<std::vector<mx_record>>& answer, const mx_policy& policy,
                      random_source& random) {
    if (!is_valid_host_name(domain) || looks_like_ip_address(domain))
        return failure(true, 550, "5.1.2", "bad destination domain");
    const std::string name = canonical_host_name(domain);

    if (!answer) {
        const auto& ec = answer.error();
        if (ec == errc::no_data) return mx_route{{name}, true};
        if (is_permanent(ec)) return failure(true, 550, "5.1.2", "domain " + name + " does not exist");
        return failure(false, 451, "4.4.3", "MX lookup for " + name + " failed: " + ec.message());
    }
    if (answer->empty()) return mx_route{{name}, true};

    std::vector<mx_record> usable;
    bool saw_null_mx = false;
    for (const auto& r : *answer) {
        if (r.exchange.empty()) {
            saw_null_mx = true;  // RFC 7505 §3: the root means "no mail service"
            continue;
        }
        if (looks_like_ip_address(r.exchange) || !is_valid_host_name(r.exchange)) continue;
        usable.push_back(r);
    }
    if (usable.empty()) {
        // RFC 7505 §3 forbids a null MX beside other MX records; a zone that
        // still mixes them is treated by its usable records above.
        if (saw_null_mx) return failure(true, 556, "5.1.10", "domain " + name + " accepts no mail (null MX)");
        return failure(true, 550, "5.4.4", "no usable MX host for " + name);
    }

    std::stable_sort(usable.begin(), usable.end(),
                     [](const mx_record& a, const mx_record& b) { return a.preference < b.preference; });
    // The same host listed twice keeps its most preferred entry only.
    std::vector<mx_record> unique;
    for (auto& r : usable)
        if (std::none_of(unique.begin(), unique.end(), [&](const mx_record& u) { return u.exchange == r.exchange; }))
            unique.push_back(std::move(r));

    // RFC 5321 §5.1: if we are one of the MX hosts, drop ourselves and every
    // host at the same or a higher preference value.
    auto self = std::find_if(unique.begin(), unique.end(), [&](const mx_record& r) {
        return std::find(policy.local_names.begin(), policy.local_names.end(), r.exchange) != policy.local_names.end();
    });
    if (self != unique.end()) {
        const auto own_preference = self->preference;
        std::erase_if(unique, [&](const mx_record& r) { return r.preference >= own_preference; });
        if (unique.empty()) return failure(true, 550, "5.4.6", "MX list for " + name + " loops back to this host");
    }

    shuffle_equal_preferences(unique, random);
    const auto cap = std::max<std::size_t>(policy.max_mx_hosts, 1);  // 0 would route nowhere
    if (unique.size() > cap) unique.resize(cap);

    mx_route route;
    for (auto& r : unique) route.hosts.push_back(std::move(r.exchange));
    return route;
}

}  // namespace mailroom::dns
