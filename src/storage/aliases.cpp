// Alias expansion (declared in directory.hpp): the rules of directory::resolve,
// apart from SQLite so they read as one algorithm. The queries and the
// alias table itself live in each backend (sqlite/userdb.cpp).
#include <deque>
#include <string>
#include <unordered_set>

#include "common/errors.hpp"
#include "storage/directory.hpp"

namespace mailroom::storage {
namespace {

void append_unique(std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
        if (x == s) return;
    v.push_back(s);
}

}  // namespace

result<std::string> canonical_alias_source(std::string_view source) {
    if (source.empty() || source.front() != '@') return canonical_address(source);
    auto d = canonical_domain(source.substr(1));
    if (!d) return d.error();
    return "@" + *d;
}

namespace detail {

result<resolution> expand_aliases(std::string_view address, alias_directory& dir) {
    struct node {
        std::string address;
        unsigned depth;  // aliases followed to get here
    };
    resolution out;
    std::deque<node> todo{{std::string(address), 0}};
    std::unordered_set<std::string> seen{std::string(address)};
    while (!todo.empty()) {
        const node n = std::move(todo.front());
        todo.pop_front();
        const auto domain = n.address.substr(n.address.rfind('@') + 1);
        auto local = dir.is_local_domain(domain);
        if (!local) return local.error();
        if (n.depth == 0) out.local_domain = *local;
        if (!*local) {
            append_unique(out.remote, n.address);
            continue;
        }
        auto targets = dir.alias_targets(n.address);
        if (!targets) return targets.error();
        if (targets->empty()) {
            auto user = dir.is_user(n.address);
            if (!user) return user.error();
            if (*user) {
                append_unique(out.local_mailboxes, n.address);
                continue;
            }
            // Neither a user nor an alias: the domain's catch-all, if any.
            targets = dir.alias_targets("@" + domain);
            if (!targets) return targets.error();
        }
        for (const auto& t : *targets) {
            if (t == n.address) {
                // An alias listing itself keeps delivering to its own
                // mailbox (Postfix: a self-reference is not expanded again).
                auto user = dir.is_user(t);
                if (!user) return user.error();
                if (*user) append_unique(out.local_mailboxes, t);
                continue;
            }
            // A loop (seen) or a chain too long ends here; not an error.
            if (n.depth + 1 > max_alias_depth || !seen.insert(t).second) continue;
            todo.push_back({t, n.depth + 1});
        }
    }
    out.unknown = out.local_mailboxes.empty() && out.remote.empty();
    return out;
}

}  // namespace detail
}  // namespace mailroom::storage
