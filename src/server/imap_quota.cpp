#include "server/imap_quota.hpp"

#include "common/errors.hpp"
#include "server/acceptance.hpp"
#include "server/quota_check.hpp"

namespace mailroom::server {
namespace {

std::error_code refuse_unless_fits(storage::directory& users, const quota_defaults& q, const std::string& user,
                                   std::uint64_t size) {
    auto f = check_quota(users, q, user, size);
    if (!f) return f.error() == errc::not_found ? std::error_code{} : f.error();
    return *f == quota_fit::fits ? std::error_code{} : make_error_code(errc::over_quota);
}

}  // namespace

result<imap::quota_report> imap_quota(storage::directory& users, const quota_defaults& defaults, imap_mailboxes& boxes,
                                      const std::string& user, const imap::get_quota& a) {
    if (a.mailbox) {
        auto exists = boxes.status(*a.mailbox);
        if (!exists) return exists.error();
    }
    auto q = quota_of(users, defaults, user);
    if (!q) return q.error() == errc::not_found ? make_error_code(errc::storage_failure) : q.error();
    imap::quota_report r;
    r.storage_used = static_cast<std::uint64_t>(std::max<std::int64_t>(0, q->used.bytes));
    r.messages_used = static_cast<std::uint64_t>(std::max<std::int64_t>(0, q->used.messages));
    r.storage_limit = q->limits.bytes;
    r.messages_limit = q->limits.messages;
    return r;
}

std::error_code check_append_quota(storage::directory& users, const quota_defaults& q, const std::string& user,
                                   const imap::append_messages& a) {
    std::uint64_t size = 0;
    for (const auto& m : a.messages) size += m.streamed ? m.streamed_size : m.data.size();
    return refuse_unless_fits(users, q, user, size);
}

std::error_code check_copy_quota(storage::directory& users, const quota_defaults& q, const std::string& user,
                                 const imap::copy_to_mailbox& c) {
    if (c.move) return {};
    return refuse_unless_fits(users, q, user, 0);
}

}  // namespace mailroom::server
