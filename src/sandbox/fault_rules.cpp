// sandbox::fault_book: matching and counting of fault rules (see the header).
#include "sandbox/fault_rules.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace mailroom::sandbox {

namespace {

bool same_word(const std::string& a, const std::string& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

bool matches_field(const std::string& want, const std::string& have) { return want.empty() || same_word(want, have); }

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

double fault_draw(std::uint64_t seed, std::uint64_t rule, std::uint64_t session, unsigned count) {
    std::uint64_t h = splitmix(seed);
    h = splitmix(h ^ rule);
    h = splitmix(h ^ session);
    h = splitmix(h ^ count);
    return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

std::uint64_t fault_book::add(fault_rule r) {
    std::lock_guard lock(mu_);
    r.id = next_id_++;
    r.fired = 0;
    rules_.push_back({std::move(r), 0});
    return rules_.back().rule.id;
}

bool fault_book::remove(std::uint64_t id) {
    std::lock_guard lock(mu_);
    return std::erase_if(rules_, [&](const entry& e) { return e.rule.id == id; }) > 0;
}

void fault_book::clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
}

std::vector<fault_rule> fault_book::list() const {
    std::lock_guard lock(mu_);
    std::vector<fault_rule> out;
    out.reserve(rules_.size());
    for (const auto& e : rules_) out.push_back(e.rule);
    return out;
}

std::uint64_t fault_book::seed() const {
    std::lock_guard lock(mu_);
    return seed_;
}

void fault_book::reseed(std::uint64_t seed) {
    std::lock_guard lock(mu_);
    seed_ = seed;
    for (auto& e : rules_) {
        e.matches = 0;
        e.rule.fired = 0;
    }
}

std::optional<fault_decision> fault_book::decide(const fault_event& ev) {
    std::lock_guard lock(mu_);
    for (auto& e : rules_) {
        const fault_match& m = e.rule.match;
        if (e.rule.times != 0 && e.rule.fired >= e.rule.times) continue;
        if (!matches_field(m.protocol, ev.protocol) || !matches_field(m.listener, ev.listener) ||
            !matches_field(m.command, ev.command) || !matches_field(m.user, ev.user))
            continue;
        ++e.matches;
        if (m.nth_in_session != 0 && ev.count_in_session != m.nth_in_session) continue;
        if (m.nth_overall != 0 && e.matches != m.nth_overall) continue;
        if (m.probability < 1.0 && fault_draw(seed_, e.rule.id, ev.session, ev.count_in_session) >= m.probability)
            continue;
        ++e.rule.fired;
        return fault_decision{e.rule.id, e.rule.action};
    }
    return std::nullopt;
}

std::string action_name(const fault_action& a) {
    struct namer {
        std::string operator()(const error_reply&) const { return "error"; }
        std::string operator()(const delay_reply&) const { return "delay"; }
        std::string operator()(const drip_reply&) const { return "drip"; }
        std::string operator()(const truncate_drop&) const { return "truncate"; }
        std::string operator()(const drop_connection&) const { return "drop"; }
        std::string operator()(const malformed_reply&) const { return "malformed"; }
        std::string operator()(const tls_failure&) const { return "tls_failure"; }
    };
    return std::visit(namer{}, a);
}

std::string malformation_name(malformation m) {
    switch (m) {
        case malformation::wrong_octet_count: return "wrong_octet_count";
        case malformation::bare_lf: return "bare_lf";
        case malformation::missing_final_dot: return "missing_final_dot";
    }
    return "bare_lf";
}

}  // namespace mailroom::sandbox
