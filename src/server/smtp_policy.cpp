#include "server/smtp_policy.hpp"

#include <algorithm>

#include "common/errors.hpp"

namespace mailroom::server {
namespace {

smtp::verdict refuse(int code, std::string enhanced, std::string text) {
    return smtp::verdict{code, std::move(enhanced), std::move(text)};
}

bool is_domain_literal(std::string_view address) {
    const auto domain = address.substr(address.rfind('@') + 1);
    return !domain.empty() && domain.front() == '[';
}

// A recipient in one of our domains: a user, an alias (possibly to remote
// addresses) or a catch-all takes it.
smtp::verdict local_verdict(const storage::resolution& where) {
    if (where.unknown) return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
    return {};
}

// Any other domain: relaying, for authenticated, trusted or (where the
// listener turns it on) POP-before-SMTP clients only (no open relay).
smtp::verdict relay_verdict(const policy_services& svc, const network_list& trusted, const client_facts& c) {
    const bool may_relay = !c.auth_user.empty() || trusted.contains(c.address) ||
                           (c.pop_before_smtp && svc.pop_before_smtp.allowed(c.address, svc.clk.now()));
    if (!may_relay) return refuse(554, "5.7.1", "Relay access denied");
    return {};  // queued for outbound delivery
}

// The quotas of a recipient that only local mailboxes take.
smtp::verdict quota_verdict(const policy_services& svc, const storage::resolution& where, std::uint64_t size) {
    if (where.local_mailboxes.empty() || !where.remote.empty()) return {};
    unsigned full = 0, too_big = 0;
    for (const auto& m : where.local_mailboxes) {
        auto f = check_quota(svc.users, svc.quotas, m, size);
        if (!f) return {};  // end of data asks again
        full += *f == quota_fit::full;
        too_big += *f == quota_fit::too_big;
    }
    const auto n = where.local_mailboxes.size();
    if (full == n) return refuse(452, "4.2.2", "Mailbox full, try again later");
    if (full + too_big == n) return refuse(552, "5.2.2", "Message size exceeds the recipient's quota");
    return {};
}

// Whether a quota may apply to some local mailbox: answered at once (the
// user directory's cached answer) or, when it cannot be, yes.
bool quotas_may_apply_now(const policy_services& svc) {
    if (svc.quotas.mail_root.empty()) return false;
    return !svc.quotas.default_quota.unlimited() || svc.users.has_quota_users_now().value_or(true);
}

}  // namespace

bool sender_check_needs_directory(const client_facts& c, std::string_view sender) {
    return c.submission && !sender.empty();
}

smtp::verdict check_sender(const policy_services& svc, const client_facts& c, std::string_view sender) {
    if (!c.submission) return {};
    // The user's own address, or an alias that lists the user (RFC 6409 §8.1).
    auto owned = sender.empty() ? result<bool>(false) : svc.users.owns_address(c.auth_user, sender);
    if (!owned) return refuse(451, "4.3.0", "Temporary lookup failure");
    if (!*owned) return refuse(553, "5.7.1", "Sender address rejected: not owned by user " + c.auth_user);
    return {};
}

smtp::verdict check_recipient(const policy_services& svc, const network_list& trusted, const client_facts& c,
                              std::string_view recipient, std::uint64_t declared_size) {
    if (!is_domain_literal(recipient)) {
        // One read transaction answers both questions: is the domain ours,
        // and if so, does the address lead to a user, alias or catch-all.
        auto where = svc.users.resolve(recipient);
        if (where && where->local_domain) {
            auto v = local_verdict(*where);
            return v.accepted() ? quota_verdict(svc, *where, declared_size) : v;
        }
        if (!where && where.error() != errc::invalid_argument) return refuse(451, "4.3.0", "Temporary lookup failure");
        if (!where) {
            // Not a mailbox name we could hold: unknown in our domains,
            // relayed (or not) like any address elsewhere.
            const auto domain = recipient.substr(recipient.rfind('@') + 1);
            auto local_domain = svc.users.has_domain(domain);
            if (!local_domain) return refuse(451, "4.3.0", "Temporary lookup failure");
            if (*local_domain) return refuse(550, "5.1.1", "Recipient address rejected: User unknown");
        }
    }
    return relay_verdict(svc, trusted, c);
}

std::optional<smtp::verdict> check_recipient_now(const policy_services& svc, const network_list& trusted,
                                                 const client_facts& c, std::string_view recipient) {
    if (is_domain_literal(recipient)) return relay_verdict(svc, trusted, c);
    auto where = svc.users.resolve_now(recipient);
    if (!where) return std::nullopt;
    if (where->local_domain) {
        auto v = local_verdict(*where);
        if (v.accepted() && !where->local_mailboxes.empty() && quotas_may_apply_now(svc)) return std::nullopt;
        return v;
    }
    return relay_verdict(svc, trusted, c);
}

}  // namespace mailroom::server
