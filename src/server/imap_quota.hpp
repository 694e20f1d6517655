// server::imap_quota: the IMAP side of quotas (RFC 9208) - GETQUOTA /
// GETQUOTAROOT's report of the logged-in user's quota and usage, and the
// check before APPEND and COPY (errc::over_quota: NO [OVERQUOTA]). Called
// by imap_connection.cpp on the storage pool (SQLite, maildirsize).
#pragma once

#include <string>

#include "common/result.hpp"
#include "proto/imap/session.hpp"
#include "server/imap_mailboxes.hpp"
#include "server/quota_check.hpp"
#include "storage/directory.hpp"

namespace mailroom::server {

// The report for get_quota; with a mailbox, errc::not_found unless it exists.
result<imap::quota_report> imap_quota(storage::directory& users, const quota_defaults& q, imap_mailboxes& boxes,
                                      const std::string& user, const imap::get_quota& a);

// Whether the messages of an APPEND fit the user's quota (all together:
// MULTIAPPEND is all or none, RFC 3502).
std::error_code check_append_quota(storage::directory& users, const quota_defaults& q, const std::string& user,
                                   const imap::append_messages& a);

// COPY adds to the usage (MOVE does not: the same user's folders): refused
// when the quota is full already. Its messages' sizes are the store's to
// know, so one COPY may end over the quota; the next is refused.
std::error_code check_copy_quota(storage::directory& users, const quota_defaults& q, const std::string& user,
                                 const imap::copy_to_mailbox& c);

}  // namespace mailroom::server
