// store::maildir scan: the listing of a Maildir's new/ and cur/ numbered by
// its uidlist (the full rescan), or the same taken from the index when the
// directories and the uidlist are as they were when the index was written
// (the warm open of a large mailbox: no readdir, no uidlist parse). Called
// by maildir_mailbox::sync under the index lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "durable/file_system.hpp"
#include "store/maildir/index_files.hpp"

namespace mailroom::store::maildir {

struct maildir_file {
    std::string file;  // relative to the Maildir: "new/<name>" or "cur/<name>"
    std::string base;
};

struct numbered_files {
    std::map<std::uint32_t, maildir_file> by_uid;
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_before = 1;       // the uidlist's next UID before this scan
    std::uint32_t next_uid = 1;          // and after it
    std::optional<std::string> uidlist;  // the list to write, when it changed
    bool from_index = false;
};

// Every message file of new/ and cur/ (names starting with '.' skipped).
result<std::vector<maildir_file>> list_maildir(durable::file_system& fs, const std::filesystem::path& dir);

// The mtimes of new/ and cur/, the uidlist's mtime and size (0, 0 if absent).
result<maildir_stamps> read_maildir_stamps(durable::file_system& fs, const std::filesystem::path& dir);

// Whether stamps read at now_ns may be recorded: a directory changed within
// the last second could change again with the same mtime (the kernel's
// coarse clock), unseen by a later comparison, as Dovecot's maildir-sync
// treats a "dirty" mtime. An unknown (0) mtime is never clean.
bool clean_stamps(const maildir_stamps& s, std::int64_t now_ns);

// The full rescan: lists new/ and cur/, numbers new files in delivery-time
// order after every UID given, forgets files gone. old: the index, whose
// UIDVALIDITY a lost uidlist's replacement must exceed.
result<numbered_files> rescan_maildir(durable::file_system& fs, const std::filesystem::path& dir,
                                      const std::optional<index_cache>& old);

// The index's own listing, if it recorded `now` as clean and knows every file.
std::optional<numbered_files> files_from_index(const index_cache& index, const maildir_stamps& now);

}  // namespace mailroom::store::maildir
