#include "sandbox/catch_all_directory.hpp"

namespace mailroom::sandbox {

result<bool> catch_all_directory::has_domain(std::string_view domain) {
    return storage::canonical_domain(domain).has_value();  // a malformed name: false, as userdb
}

result<bool> catch_all_directory::has_legacy_users() {
    if (strict_) return users_.has_legacy_users();
    return true;
}

std::optional<bool> catch_all_directory::has_legacy_users_now() {
    if (strict_) return users_.has_legacy_users_now();
    return true;
}

result<storage::resolution> catch_all_directory::resolve(std::string_view address) {
    auto a = storage::canonical_address(address);
    if (!a) return a.error();
    storage::resolution r;
    r.local_mailboxes.push_back(std::move(*a));
    r.local_domain = true;
    return r;
}

result<std::vector<storage::resolution>> catch_all_directory::resolve_all(const std::vector<std::string>& addresses) {
    std::vector<storage::resolution> out;
    out.reserve(addresses.size());
    for (const auto& a : addresses) {
        auto r = resolve(a);
        if (!r) return r.error();
        out.push_back(std::move(*r));
    }
    return out;
}

std::optional<storage::resolution> catch_all_directory::resolve_now(std::string_view address) {
    auto r = resolve(address);
    if (!r) return std::nullopt;
    return std::move(*r);
}

result<bool> catch_all_directory::owns_address(std::string_view user, std::string_view address) {
    if (!storage::canonical_address(user) || !storage::canonical_address(address)) return false;
    return true;
}

}  // namespace mailroom::sandbox
