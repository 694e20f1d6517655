#include "server/smtp_policy.hpp"

#include "common/errors.hpp"

namespace mailroom::server {
namespace {

smtp::verdict refuse(int code, std::string enhanced, std::string text) {
    return smtp::verdict{code, std::move(enhanced), std::move(text)};
}

}  // namespace

smtp::verdict check_sender(services& svc, const client_facts& c, std::string_view sender) {
    if (!c.submission) return {};
    (void)svc;
    auto canonical = storage::canonical_address(sender);
    if (!canonical || *canonical != c.auth_user)
        return refuse(553, "5.7.1", "Sender address rejected: not owned by user " + c.auth_user);
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
        auto canonical = storage::canonical_address(recipient);
        if (!canonical) return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
        auto user = svc.users.find_user(*canonical);
        if (user) return {};
        if (user.error() == errc::not_found) return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
        return refuse(451, "4.3.0", "Temporary lookup failure");
    }
    const bool may_relay = !c.auth_user.empty() || trusted.contains(c.address) ||
                           svc.pop_before_smtp.allowed(c.address, svc.clk.now());
    if (!may_relay) return refuse(554, "5.7.1", "Relay access denied");
    // Remote delivery (MX lookup, retries) is issue #4: until the queue
    // holds remote recipients, say so rather than accept and lose mail.
    return refuse(451, "4.7.1", "Remote delivery is not available yet; try again later");
}

}  // namespace mailroom::server
