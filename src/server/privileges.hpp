// server::privileges: who the server runs as. Started as root with `user`
// set, server::run binds its listeners and reads the certificate first,
// hands the data directory to that user, then drops to it for good:
// supplementary groups, gid, uid - keeping only CAP_NET_BIND_SERVICE, so a
// reload can still bind a new port below 1024. The CLI's administration
// commands, run as root, drop the same way so the files they make are the
// server's. Postfix (master.cf, mail_owner) and Dovecot
// (default_internal_user) are the models.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "config/settings.hpp"

namespace mailroom::server {

// A resolved `user` / `group`.
struct account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// What a start with effective uid `euid` does about privileges. nullopt:
// nothing to drop (not root, or root without `user`: then a warning is
// logged). Throws std::runtime_error when root without `user` would bind
// a port below 1024, when the user or group does not exist, or when `user`
// is root itself.
std::optional<account> plan_privileges(const config::settings& cfg, uid_t euid);

// Gives `dir` and everything under it that is not yet a's to a (uid and
// gid). Never follows a symbolic link: directories are opened O_NOFOLLOW
// relative to their parent, entries changed with AT_SYMLINK_NOFOLLOW, so a
// link planted inside cannot hand out a file elsewhere. Returns how many
// entries changed; throws std::runtime_error naming the path that failed.
std::size_t hand_over(const std::filesystem::path& dir, const account& a);

// Becomes a for good: initgroups, setresgid, setresuid; with
// `keep_bind_service`, CAP_NET_BIND_SERVICE stays (the only capability).
// Checks that setuid(0) now fails and every id is a's; throws
// std::runtime_error otherwise. Call before any thread is started: the
// capability is kept by the calling thread only.
void drop_to(const account& a, bool keep_bind_service);

}  // namespace mailroom::server
