// store::maildir uid_file: reading, rewriting and appending to the
// mailroom-uidlist of one mailbox directory (layout.hpp gives the rules and
// the crash instants). Called by maildir_mailbox (sync) and by
// maildir_store's appends (append_uid). Every operation goes through
// durable::file_system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "storage/uidlist.hpp"

namespace mailroom::store::maildir {

struct loaded_uidlist {
    storage::uidlist list;
    bool must_rewrite = false;  // new, damaged, or with "+" lines
    bool fresh = false;         // a new UID space (the list was missing or damaged)
};

// The list of dir; a missing or damaged one starts a new UID space with a
// UIDVALIDITY above the damaged one's (or the current time).
result<loaded_uidlist> load_uidlist(durable::file_system& fs, const std::filesystem::path& dir);

// After a message named base is durable in dir/new: takes the index lock
// and appends its UID. Returns the UID, or 0 if it could not (the next sync
// numbers the message instead). A few syscalls, no fsync.
std::uint32_t append_uid(durable::file_system& fs, const std::filesystem::path& dir, std::string_view base) noexcept;

// Replaces the named files of dir with the contents, durably and with one
// directory fsync: each written to "<name>.tmp", fdatasync'd, renamed.
std::error_code replace_durably(durable::file_system& fs, const std::filesystem::path& dir,
                                const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace mailroom::store::maildir
