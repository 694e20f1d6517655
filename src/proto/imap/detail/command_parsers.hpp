// imap::detail: the per-command argument parsers behind parse_command,
// grouped by file (command_parser.cpp: session and auth commands,
// parse_mailbox_commands.cpp, parse_append.cpp, parse_message_commands.cpp,
// parse_quota.cpp).
// Each reads the arguments after the command name (after "UID x" for the
// UID forms) and must consume all of them. Internal to src/proto/imap.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proto/imap/command.hpp"
#include "proto/imap/command_parser.hpp"
#include "proto/imap/detail/cursor.hpp"
#include "proto/imap/limits.hpp"

namespace mailroom::imap::detail {

struct outcome {
    std::optional<command_args> args;
    parse_failure failure;
};
inline outcome ok(command_args a) { return {std::move(a), {}}; }
inline outcome bad(std::string text, parse_failure_kind kind = parse_failure_kind::syntax) {
    return {std::nullopt, {kind, std::move(text)}};
}

struct context {
    std::vector<argument>& args;  // mutable: APPEND moves its literals out
    cursor c;                     // over args, after the command name
    const limits& lim;
    bool uid = false;
};

search_limits search_limits_of(const limits& lim);
std::optional<sequence_set> sequence_set_arg(cursor& c, const limits& lim);
std::optional<std::vector<status_item>> status_items(const argument& list);

// parse_quota.cpp (RFC 9208)
outcome parse_getquota(context& x);
outcome parse_getquotaroot(context& x);
outcome parse_setquota(context& x);

// parse_mailbox_commands.cpp
outcome parse_select(context& x);
outcome parse_examine(context& x);
outcome parse_create(context& x);
outcome parse_delete(context& x);
outcome parse_rename(context& x);
outcome parse_subscribe(context& x);
outcome parse_unsubscribe(context& x);
outcome parse_list(context& x);
outcome parse_lsub(context& x);
outcome parse_status(context& x);
// parse_append.cpp
outcome parse_append(context& x);
// parse_message_commands.cpp
outcome parse_expunge(context& x);
outcome parse_search(context& x);
outcome parse_fetch(context& x);
outcome parse_store(context& x);
outcome parse_copy(context& x);
outcome parse_move(context& x);
outcome parse_sort(context& x);
outcome parse_thread(context& x);

}  // namespace mailroom::imap::detail
