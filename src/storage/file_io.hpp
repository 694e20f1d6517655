// storage::file_io: the few POSIX file operations the stores need, with
// the durability steps spelled out (write fully, fsync the file, rename,
// fsync the directory) and errno turned into std::error_code.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "common/result.hpp"

namespace mailroom::storage {

std::error_code errno_code() noexcept;  // the current errno as an error_code

// Writes every byte (short writes and EINTR handled).
std::error_code write_all(int fd, std::string_view bytes);

// fsync of a directory, so a rename or unlink inside it is durable.
std::error_code sync_directory(const std::filesystem::path& dir);

// Creates dir and its parents with mode 0700 where missing.
std::error_code make_private_dirs(const std::filesystem::path& dir);

// Writes content to tmp, fsyncs it, renames it to target and fsyncs
// target's directory; on failure tmp is removed. must_be_new: tmp may not
// exist already (Maildir's unique names).
enum class temp_file { must_be_new, may_exist };
std::error_code write_then_rename_durably(const std::filesystem::path& tmp, const std::filesystem::path& target,
                                          std::string_view content, temp_file mode);

// Writes content to a temporary file next to target, fsyncs it, renames it
// over target and fsyncs the directory: readers see the old or the new file.
std::error_code replace_file_durably(const std::filesystem::path& target, std::string_view content);

// The whole file; errc::not_found when it does not exist.
result<std::string> read_whole_file(const std::filesystem::path& file);

}  // namespace mailroom::storage
