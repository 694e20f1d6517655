// server::quota_check: whether a message fits a local mailbox's quota (its
// user's own, else the configured default_quota) given what the mailbox
// holds (store/maildir/maildirsize.hpp). Asked by smtp_policy at RCPT (452
// 4.2.2 when full, 552 5.2.2 for a declared SIZE that does not fit), by
// acceptance at end of data and for queued local delivery, and by the IMAP
// QUOTA answers. Blocking (SQLite, the maildirsize file): worker pool.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/result.hpp"
#include "storage/directory.hpp"
#include "store/maildir/maildirsize.hpp"

namespace mailroom::server {

// The quota as the configuration gives it (0: no limit).
struct quota_defaults {
    static quota_defaults of(std::uint64_t bytes, std::uint64_t messages, std::filesystem::path mail_root) {
        return {{bytes, messages}, std::move(mail_root)};
    }
    storage::quota_limits default_quota;
    std::filesystem::path mail_root;  // DATA/mail; empty: usage unknown (every message fits)
};

enum class quota_fit {
    fits,     // under the quota, with the message
    full,     // at or over the quota already: RFC 3463 4.2.2 (a temporary state)
    too_big,  // under it, but this message would go over: 5.2.2
};

// Pure: `size` more octets (and one message) against `limits` and `used`.
// A size of 0 asks only whether the mailbox is full.
quota_fit fit(const storage::quota_limits& limits, const store::maildir::usage& used, std::uint64_t size);

// The user's own quota, else the default.
storage::quota_limits limits_of(const storage::user_record& user, const quota_defaults& d);

struct mailbox_quota {
    storage::quota_limits limits;
    store::maildir::usage used;
};
// The quota and usage of the mailbox of `address` (a canonical user);
// errc::not_found for no such user.
result<mailbox_quota> quota_of(storage::directory& users, const quota_defaults& d, std::string_view address);

// fit() for the mailbox of `address`. A user without any limit costs no
// file read. A mailbox whose usage cannot be read fits (the quota is a
// limit, not a reason to lose mail; the read error is the store's to tell).
result<quota_fit> check_quota(storage::directory& users, const quota_defaults& d, std::string_view address,
                              std::uint64_t size);

}  // namespace mailroom::server
