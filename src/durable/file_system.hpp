// durable::file_system: the few POSIX operations the spool and Maildir
// delivery use, behind a narrow interface so tests can fail any one of them
// or simulate a crash (STYLE.md §9). real_file_system() is the one the server uses. Every call
// returns its error as a value; a missing file is errc::not_found.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/result.hpp"

namespace mailroom::durable {

// A file opened for writing by file_system::create_exclusive; closed when
// destroyed. Not thread-safe: one owner at a time.
class writable_file {
public:
    virtual ~writable_file() = default;
    virtual std::error_code write_all(std::string_view bytes) = 0;  // short writes, EINTR handled
    virtual std::error_code sync_data() = 0;                        // fdatasync(2)
};

// A file opened by file_system::open_append: every write goes to its end
// (O_APPEND), and it can be read at any offset. Closed when destroyed.
class appendable_file {
public:
    virtual ~appendable_file() = default;
    virtual std::error_code append(std::string_view bytes) = 0;
    virtual result<std::string> read_at(std::uint64_t offset, std::size_t length) = 0;  // shorter at the end
    virtual result<std::uint64_t> size() = 0;
    virtual std::error_code sync_data() = 0;
};

struct file_info {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;  // modification time, nanoseconds since the epoch
    bool directory = false;
};

// Held while the spool is open; released when destroyed.
class directory_lock {
public:
    virtual ~directory_lock() = default;
};

class file_system {
public:
    virtual ~file_system() = default;

    // Creates file (mode 0600); errc::already_exists if the name exists.
    virtual result<std::unique_ptr<writable_file>> create_exclusive(const std::filesystem::path& file) = 0;
    // rename(2): atomically replaces to; errc::not_found if from is missing.
    virtual std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
    virtual std::error_code unlink(const std::filesystem::path& file) = 0;
    // fsync(2) of a directory: makes the creations, renames and unlinks in it durable.
    virtual std::error_code sync_directory(const std::filesystem::path& dir) = 0;
    virtual result<std::string> read_file(const std::filesystem::path& file) = 0;
    // Names (not paths) of the entries of dir, without "." and "..", in no order.
    virtual result<std::vector<std::string>> list_directory(const std::filesystem::path& dir) = 0;
    // mkdir(2) with mode 0700; true if it was created, false if it existed.
    virtual result<bool> make_directory(const std::filesystem::path& dir) = 0;
    // An exclusive lock on file (created if missing), so two processes never
    // share one spool; errc::in_use while someone else holds it.
    virtual result<std::unique_ptr<directory_lock>> lock_exclusive(const std::filesystem::path& file) = 0;

    // Additions for the mail store (src/store/):
    // The same lock, but waits for it instead of failing with in_use: for
    // locks held only for a few operations (a mailbox index).
    virtual result<std::unique_ptr<directory_lock>> lock_wait(const std::filesystem::path& file) = 0;
    // Opens file for appending (created, mode 0600, if missing).
    virtual result<std::unique_ptr<appendable_file>> open_append(const std::filesystem::path& file) = 0;
    // Up to length bytes from offset (fewer at the end of the file).
    virtual result<std::string> read_range(const std::filesystem::path& file, std::uint64_t offset,
                                           std::size_t length) = 0;
    // stat(2); errc::not_found if missing.
    virtual result<file_info> stat(const std::filesystem::path& file) = 0;
    // rmdir(2) of an empty directory.
    virtual std::error_code remove_directory(const std::filesystem::path& dir) = 0;
};

// The operating system's file system (one shared, stateless instance).
file_system& real_file_system();

}  // namespace mailroom::durable
