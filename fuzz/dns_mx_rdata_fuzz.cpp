// Fuzzes the MX rdata parser and the MX route planner with records from the
// network. Input: a run of items, each a length byte then that many bytes of
// RDATA. Invariants: nothing crashes; an accepted record's exchange is the
// root or a valid canonical host name that re-encodes to the same record;
// a planned route has at most max_mx_hosts distinct valid hosts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <vector>

#include "dns/host_name.hpp"
#include "dns/mx_plan.hpp"
#include "dns/rdata.hpp"
#include "fuzz_input.hpp"

using namespace mailroom;
using namespace mailroom::dns;

namespace {

class counter_random final : public random_source {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = static_cast<std::uint8_t>(++n_ * 131u);
    }

private:
    unsigned n_ = 0;
};

std::vector<std::uint8_t> encode(const mx_record& r) {
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(r.preference >> 8),
                                  static_cast<std::uint8_t>(r.preference & 0xff)};
    std::size_t start = 0;
    while (!r.exchange.empty() && start <= r.exchange.size()) {
        auto dot = r.exchange.find('.', start);
        if (dot == std::string::npos) dot = r.exchange.size();
        out.push_back(static_cast<std::uint8_t>(dot - start));
        out.insert(out.end(), r.exchange.begin() + static_cast<std::ptrdiff_t>(start),
                   r.exchange.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    out.push_back(0);
    return out;
}

void check_record(const mx_record& r) {
    if (!r.exchange.empty() && (!is_valid_host_name(r.exchange) || canonical_host_name(r.exchange) != r.exchange))
        std::abort();
    auto again = parse_mx_rdata(encode(r));
    if (!again || *again != r) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::fuzz_input in(data, size);
    std::vector<mx_record> records;
    while (!in.done() && records.size() < 64) {
        auto item = in.bytes(in.byte());
        auto r = parse_mx_rdata({reinterpret_cast<const std::uint8_t*>(item.data()), item.size()});
        if (!r) continue;
        check_record(*r);
        records.push_back(*r);
    }
    mx_policy policy;
    policy.max_mx_hosts = 4;
    policy.local_names = {"mx.example.test"};
    counter_random random;
    auto plan = plan_mx_route("example.test", records, policy, random);
    if (auto* route = std::get_if<mx_route>(&plan)) {
        if (route->hosts.empty() || route->hosts.size() > policy.max_mx_hosts) std::abort();
        std::set<std::string> seen(route->hosts.begin(), route->hosts.end());
        if (seen.size() != route->hosts.size()) std::abort();
        for (const auto& h : route->hosts)
            if (!is_valid_host_name(h) || h == "mx.example.test") std::abort();
    }
    return 0;
}
