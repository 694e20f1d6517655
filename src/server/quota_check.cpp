#include "server/quota_check.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"

namespace mailroom::server {

quota_fit fit(const storage::quota_limits& limits, const store::maildir::usage& used, std::uint64_t size) {
    const auto bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, used.bytes));
    const auto messages = static_cast<std::uint64_t>(std::max<std::int64_t>(0, used.messages));
    if ((limits.bytes != 0 && bytes >= limits.bytes) || (limits.messages != 0 && messages >= limits.messages))
        return quota_fit::full;
    if (limits.bytes != 0 && size > limits.bytes - bytes) return quota_fit::too_big;
    return quota_fit::fits;
}

storage::quota_limits limits_of(const storage::user_record& user, const quota_defaults& d) {
    return user.quota.value_or(d.default_quota);
}

result<mailbox_quota> quota_of(storage::directory& users, const quota_defaults& d, std::string_view address) {
    auto user = users.find_user(address);
    if (!user) return user.error();
    mailbox_quota out;
    out.limits = limits_of(*user, d);
    if (d.mail_root.empty()) return out;
    auto used = store::maildir::read_usage(store::maildir::mailbox_path(d.mail_root, user->address));
    if (!used) return used.error();
    out.used = *used;
    return out;
}

result<quota_fit> check_quota(storage::directory& users, const quota_defaults& d, std::string_view address,
                              std::uint64_t size) {
    auto user = users.find_user(address);
    if (!user) return user.error();
    const auto limits = limits_of(*user, d);
    if (limits.unlimited() || d.mail_root.empty()) return quota_fit::fits;
    auto used = store::maildir::read_usage(store::maildir::mailbox_path(d.mail_root, user->address));
    if (!used) return quota_fit::fits;
    return fit(limits, *used, size);
}

}  // namespace mailroom::server
