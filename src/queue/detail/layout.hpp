// Where the spool keeps things under its directory (see spool.hpp):
//   lock         flock(2)ed while a spool is open
//   tmp/         files being written; never trusted, emptied by recover()
//   queue/       <id>.msg (the message) and <id>.env (its envelope record)
//   corrupt/     pairs recover() could not verify, kept for an administrator
#pragma once

#include <filesystem>
#include <string_view>

namespace mailroom::queue::detail {

struct layout {
    std::filesystem::path root, tmp, queue, corrupt, lock;

    explicit layout(const std::filesystem::path& dir)
        : root(dir), tmp(dir / "tmp"), queue(dir / "queue"), corrupt(dir / "corrupt"), lock(dir / "lock") {}

    std::filesystem::path message(std::string_view id) const { return queue / (std::string(id) + ".msg"); }
    std::filesystem::path envelope(std::string_view id) const { return queue / (std::string(id) + ".env"); }
};

inline constexpr std::string_view message_suffix = ".msg";
inline constexpr std::string_view envelope_suffix = ".env";

}  // namespace mailroom::queue::detail
