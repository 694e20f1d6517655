// sandbox::catch_all_directory: the user directory `mailroom dev` gives its
// services (dev_server.cpp). Every domain is local and every address is a
// mailbox of its own (a catch-all across all domains), so nothing is ever
// relayed; any login may send as any address. Logins themselves go to the
// wrapped directory (strict mode, --users) or to sandbox::any_login.
#pragma once

#include "storage/directory.hpp"

namespace mailroom::sandbox {

class catch_all_directory final : public storage::directory {
public:
    // `strict`: whether legacy mechanisms (APOP, CRAM-MD5) are offered is
    // the wrapped directory's answer; otherwise they always are.
    catch_all_directory(storage::directory& users, bool strict) : users_(users), strict_(strict) {}

    result<bool> has_domain(std::string_view domain) override;
    result<storage::user_record> find_user(std::string_view address) override { return users_.find_user(address); }
    result<bool> has_legacy_users() override;
    result<storage::resolution> resolve(std::string_view address) override;
    result<std::vector<storage::resolution>> resolve_all(const std::vector<std::string>& addresses) override;
    std::optional<bool> has_legacy_users_now() override;
    std::optional<storage::resolution> resolve_now(std::string_view address) override;
    result<bool> owns_address(std::string_view user, std::string_view address) override;
    // Quotas are the wrapped directory's (a --users file sets none; a
    // --config's default_quota still applies).
    result<bool> has_quota_users() override { return users_.has_quota_users(); }
    std::optional<bool> has_quota_users_now() override { return users_.has_quota_users_now(); }

private:
    storage::directory& users_;
    bool strict_;
};

}  // namespace mailroom::sandbox
