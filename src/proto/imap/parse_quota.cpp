// imap::detail: arguments of the QUOTA commands (RFC 9208 §4.1-4.3):
//   GETQUOTA quota-root, GETQUOTAROOT mailbox,
//   SETQUOTA quota-root "(" [setquota-resource *(SP setquota-resource)] ")"
#include "proto/imap/detail/command_parsers.hpp"

namespace mailroom::imap::detail {
namespace {

// RFC 9208 §4.3: limits are 63-bit numbers.
constexpr std::uint64_t max_quota_limit = INT64_MAX;
// More resources than any server knows: the list is bounded.
constexpr std::size_t max_quota_resources = 16;

}  // namespace

outcome parse_getquota(context& x) {
    getquota_command cmd;
    auto root = x.c.astring();
    if (!root || !x.c.done()) return bad("GETQUOTA needs a quota root");
    cmd.root = std::move(*root);
    return ok(std::move(cmd));
}

outcome parse_getquotaroot(context& x) {
    getquotaroot_command cmd;
    auto mailbox = x.c.astring();
    if (!mailbox || !x.c.done()) return bad("GETQUOTAROOT needs a mailbox");
    cmd.mailbox = std::move(*mailbox);
    return ok(std::move(cmd));
}

outcome parse_setquota(context& x) {
    setquota_command cmd;
    auto root = x.c.astring();
    const argument* list = root ? x.c.next() : nullptr;
    if (!list || list->kind != argument_kind::list || !x.c.done())
        return bad("SETQUOTA needs a quota root and a list of limits");
    cursor c(list->children);
    while (!c.done()) {
        auto name = c.atom();
        auto limit = name ? c.number(max_quota_limit) : std::nullopt;
        if (!limit || cmd.limits.size() >= max_quota_resources) return bad("SETQUOTA limits are name-number pairs");
        cmd.limits.emplace_back(std::move(*name), *limit);
    }
    cmd.root = std::move(*root);
    return ok(std::move(cmd));
}

}  // namespace mailroom::imap::detail
