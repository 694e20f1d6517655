#include "server/smtp_policy.hpp"

#include <algorithm>

#include "common/errors.hpp"

namespace mailroom::server {
namespace {

smtp::verdict refuse(int code, std::string enhanced, std::string text) {
    return smtp::verdict{code, std::move(enhanced), std::move(text)};
}

}  // namespace

smtp::verdict check_sender(services& svc, const client_facts& c, std::string_view sender) {
    if (!c.submission) return {};
    // The user's own address, or an alias that lists the user (RFC 6409 §8.1).
    auto owned = sender.empty() ? result<bool>(false) : svc.users.owns_address(c.auth_user, sender);
    if (!owned) return refuse(451, "4.3.0", "Temporary lookup failure");
    if (!*owned) return refuse(553, "5.7.1", "Sender address rejected: not owned by user " + c.auth_user);
    return {};
}

smtp::verdict check_recipient(services& svc, const network_list& trusted, const client_facts& c,
                              std::string_view recipient) {
    const auto at = recipient.rfind('@');
    const auto domain = recipient.substr(at + 1);
    const bool literal = !domain.empty() && domain.front() == '[';
    auto local_domain = literal ? result<bool>(false) : svc.users.has_domain(domain);
    if (!local_domain) return refuse(451, "4.3.0", "Temporary lookup failure");
    if (*local_domain) {
        // A user, an alias (possibly to remote addresses) or a catch-all.
        auto where = svc.users.resolve(recipient);
        if (!where) {
            if (where.error() == errc::invalid_argument)
                return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
            return refuse(451, "4.3.0", "Temporary lookup failure");
        }
        if (where->unknown) return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
        return {};
    }
    const bool may_relay = !c.auth_user.empty() || trusted.contains(c.address) ||
                           svc.pop_before_smtp.allowed(c.address, svc.clk.now());
    if (!may_relay) return refuse(554, "5.7.1", "Relay access denied");
    return {};  // queued for outbound delivery
}

result<delivery_plan> plan_delivery(services& svc, const std::vector<std::string>& recipients) {
    delivery_plan plan;
    auto add = [](std::vector<std::string>& to, const std::string& a) {
        if (std::find(to.begin(), to.end(), a) == to.end()) to.push_back(a);
    };
    for (const auto& r : recipients) {
        const auto domain = r.substr(r.rfind('@') + 1);
        auto local = !domain.empty() && domain.front() == '[' ? result<bool>(false) : svc.users.has_domain(domain);
        if (!local) return local.error();
        if (!*local) {
            add(plan.remote, r);
            continue;
        }
        auto where = svc.users.resolve(r);
        if (!where) return where.error();
        for (const auto& m : where->local_mailboxes) add(plan.local_mailboxes, m);
        for (const auto& m : where->remote) add(plan.remote, m);
    }
    return plan;
}

}  // namespace mailroom::server
