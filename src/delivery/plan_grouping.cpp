#include "delivery/plan_grouping.hpp"

#include <map>
#include <string_view>

namespace mailroom::delivery {
namespace {

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    std::string d(address.substr(at + 1));
    for (char& c : d)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return d;
}

smtp::dsn_ret ret_of(queue::envelope::ret_kind r) {
    switch (r) {
        case queue::envelope::ret_kind::full: return smtp::dsn_ret::full;
        case queue::envelope::ret_kind::headers: return smtp::dsn_ret::headers;
        case queue::envelope::ret_kind::unspecified: break;
    }
    return smtp::dsn_ret::unspecified;
}

}  // namespace

std::vector<domain_group> pending_by_domain(const queue::envelope& env) {
    std::map<std::string, std::vector<std::size_t>> by_domain;
    for (std::size_t i = 0; i < env.recipients.size(); ++i)
        if (env.recipients[i].state == queue::recipient::status::pending)
            by_domain[domain_of(env.recipients[i].address)].push_back(i);
    std::vector<domain_group> out;
    out.reserve(by_domain.size());
    for (auto& [domain, indexes] : by_domain) out.push_back({domain, std::move(indexes)});
    return out;
}

smtp::client::outgoing_message to_outgoing(const queue::envelope& env, const std::vector<std::size_t>& indexes,
                                           std::shared_ptr<const smtp::client::stored_content> content) {
    smtp::client::outgoing_message m;
    m.id = env.id;
    m.sender = env.sender;
    for (const auto i : indexes) {
        if (i >= env.recipients.size()) continue;
        const auto& r = env.recipients[i];
        m.recipients.push_back({r.address, r.notify, r.orcpt});
    }
    m.envid = env.envid;
    m.ret = ret_of(env.ret);
    m.smtputf8 = env.smtputf8;
    m.eight_bit = env.eight_bit;
    m.stored = std::move(content);
    return m;
}

}  // namespace mailroom::delivery
