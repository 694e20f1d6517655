// store::maildir usage: how much one user's Maildir++ holds (every folder),
// kept in <root>/maildirsize as the Maildir++ quota extension and Dovecot's
// maildir quota backend do: a header line, then one "<bytes> <messages>"
// line per change, appended (O_APPEND) by delivery, APPEND, COPY and
// expunge. Recomputed from the file names' S= sizes when the file is
// missing, damaged, over 5120 octets or 15 minutes old. Read by quota
// checks (server/quota_check) and `mailroom user list`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <system_error>

#include "common/result.hpp"

namespace mailroom::store::maildir {

constexpr const char* usage_file = "maildirsize";

struct usage {
    std::int64_t bytes = 0;     // octets as stored
    std::int64_t messages = 0;  // in new/ and cur/ of every folder
    friend bool operator==(const usage&, const usage&) = default;
};

// The root of the Maildir++ that folder directory `dir` belongs to (itself,
// or its parent for a ".Folder").
std::filesystem::path usage_root_of(const std::filesystem::path& dir);

// The sum of every message of every folder, from the names (stat only for
// a name without S=). A mailbox that does not exist holds nothing.
result<usage> compute_usage(const std::filesystem::path& root);

// The usage as maildirsize says, recomputed (and the file rewritten
// atomically) when it cannot be trusted.
result<usage> read_usage(const std::filesystem::path& root);

// Records a change. Without a maildirsize there is nothing to add to: the
// next read_usage computes it whole. Best effort for the caller: the file
// is a cache the next recomputation corrects.
std::error_code add_usage(const std::filesystem::path& root, std::int64_t bytes, std::int64_t messages);

// Drops the file (a folder deleted with its messages): recomputed next time.
void forget_usage(const std::filesystem::path& root);

}  // namespace mailroom::store::maildir
