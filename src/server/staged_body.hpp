// server::staged_body: the text of one message being received, kept in
// memory while small and moved to a file in a staging directory (the
// spool's tmp/) once it outgrows memory_bytes, so a connection holds a
// bounded amount of memory whatever the message size. Read back piece by
// piece as a queue::message_source by the acceptance transaction. The file
// is removed by clear() and by the destructor: a message never accepted
// leaves nothing behind (and the spool empties tmp/ at start after a crash).
// Used by smtp_connection (one per connection, reused message after
// message) and by `mailroom inject`. Not thread-safe: one user at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "durable/file_system.hpp"
#include "queue/message_source.hpp"

namespace mailroom::server {

class staged_body final : public queue::message_source {
public:
    static constexpr std::size_t default_memory_bytes = 128 * 1024;
    // Pieces read back from the file.
    static constexpr std::size_t read_piece_bytes = 64 * 1024;

    // staging_dir must outlive the body (the spool's; not copied: an idle
    // connection holds one of these).
    staged_body(durable::file_system& fs, const std::filesystem::path& staging_dir,
                std::size_t memory_bytes = default_memory_bytes);
    staged_body(durable::file_system&, std::filesystem::path&&, std::size_t = 0) = delete;  // would dangle
    ~staged_body() override;
    staged_body(const staged_body&) = delete;
    staged_body& operator=(const staged_body&) = delete;

    // True when append(n octets) or clear() would do file I/O (blocking:
    // run it on the storage pool); false when it stays in memory.
    bool needs_io(std::size_t n) const noexcept { return !failed_ && (file_ || memory_.size() + n > memory_bytes_); }
    bool needs_io_to_clear() const noexcept { return static_cast<bool>(file_); }

    // Adds to the text. The first error is kept: every later append and
    // error() return it, and the text must not be accepted.
    std::error_code append(std::string_view bytes);
    std::error_code error() const noexcept { return failed_; }
    // Forgets the text and any error; the file, if any, is removed.
    void clear();

    std::uint64_t size() const noexcept override { return size_; }
    std::error_code copy_to(const sink& to) const override;

private:
    std::error_code spill();

    durable::file_system& fs_;
    const std::filesystem::path& dir_;
    std::size_t memory_bytes_;
    std::string memory_;  // the text while it is small
    std::unique_ptr<durable::appendable_file> file_;
    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    std::error_code failed_;
};

}  // namespace mailroom::server
