// imap::session, the QUOTA commands (RFC 9208): one quota root, "", for all
// the user's folders, with STORAGE (KiB, §5.1) and MESSAGE (§5.2) where
// the administrator set a limit (`mailroom user set --quota`, or the
// configured default). SETQUOTA is the administrator's: refused. APPEND,
// COPY and MOVE over the quota answer NO [OVERQUOTA] (cmd_append.cpp).
#include "common/errors.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/response_writer.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

constexpr std::string_view quota_root = "";

// RFC 9208 §5.1: STORAGE is in units of 1024 octets; rounded up, so a
// mailbox that holds anything never shows 0.
std::uint64_t kib(std::uint64_t octets) { return octets / 1024 + (octets % 1024 != 0); }

bool has_limits(const quota_report& q) { return q.storage_limit != 0 || q.messages_limit != 0; }

std::string canonical_mailbox(std::string_view name) {
    if (proto::keyword_equals(name, "INBOX")) return "INBOX";  // RFC 9051 §5.1
    return std::string(name);
}

}  // namespace

void session::cmd_getquota(const command& c) {
    // RFC 9208 §4.2: a root that does not exist is NO.
    if (std::get<getquota_command>(c.args).root != quota_root) return no("NONEXISTENT", "No such quota root.");
    quota_mailbox_.reset();
    request(get_quota{});
    wait_for(awaiting::quota);
}

void session::cmd_getquotaroot(const command& c) {
    quota_mailbox_ = canonical_mailbox(std::get<getquotaroot_command>(c.args).mailbox);
    request(get_quota{quota_mailbox_});
    wait_for(awaiting::quota);
}

void session::cmd_setquota(const command&) {
    // Not announced (no QUOTASET, §3.2): limits are the administrator's.
    no("NOPERM", "Quotas are set by the administrator.");
}

void session::quota_ready(result<quota_report> r) {
    if (awaiting_ != awaiting::quota) return;
    awaiting_ = awaiting::nothing;
    if (!r) {
        if (r.error() == errc::not_found || r.error() == errc::invalid_argument)
            no("NONEXISTENT", quota_mailbox_ ? "Mailbox does not exist." : "No such quota root.");
        else no("UNAVAILABLE", "Unable to read the quota. Try again later.");
        return process();
    }
    if (quota_mailbox_) {
        // §4.3: the roots of the mailbox (none when nothing is limited),
        // then each root's QUOTA.
        std::string line = "QUOTAROOT ";
        append_astring(line, *quota_mailbox_);
        if (has_limits(*r)) {
            line += ' ';
            append_astring(line, quota_root);
        }
        untagged(line);
        if (has_limits(*r)) write_quota(*r);
        ok("", "Getquotaroot completed.");
    } else if (!has_limits(*r)) {
        no("NONEXISTENT", "No such quota root.");
    } else {
        write_quota(*r);
        ok("", "Getquota completed.");
    }
    process();
}

// "* QUOTA "" (STORAGE used limit MESSAGE used limit)": the resources with a limit.
void session::write_quota(const quota_report& q) {
    std::string line = "QUOTA ";
    append_astring(line, quota_root);
    line += " (";
    if (q.storage_limit != 0)
        line += "STORAGE " + std::to_string(kib(q.storage_used)) + " " + std::to_string(kib(q.storage_limit));
    if (q.messages_limit != 0) {
        if (q.storage_limit != 0) line += ' ';
        line += "MESSAGE " + std::to_string(q.messages_used) + " " + std::to_string(q.messages_limit);
    }
    line += ')';
    untagged(line);
}

}  // namespace mailroom::imap
