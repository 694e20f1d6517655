// queue::stored_message: a queued message file read in pieces, as a
// message_source, so that delivery, DSNs and recover() never hold a whole
// message (issue #10 §3). Made by spool::open_message and spool::recover;
// read by the scheduler (remote and local delivery, notices).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "durable/file_system.hpp"
#include "queue/message_source.hpp"

namespace mailroom::queue {

class stored_message final : public message_source {
public:
    static constexpr std::size_t piece_bytes = 256 * 1024;

    // `size` as the envelope record or stat() gave it; fs must outlive it.
    stored_message(durable::file_system& fs, std::filesystem::path file, std::uint64_t size)
        : fs_(&fs), file_(std::move(file)), size_(size) {}

    std::uint64_t size() const noexcept override { return size_; }
    // Reads piece_bytes at a time (blocking). A file that ends before
    // size() bytes is errc::corrupt_data: it changed under us.
    std::error_code copy_to(const sink& to) const override;
    // Up to `max` bytes from `offset` (fewer only at the end; blocking).
    result<std::string> read_at(std::uint64_t offset, std::size_t max) const {
        return fs_->read_range(file_, offset, max);
    }

private:
    durable::file_system* fs_;
    std::filesystem::path file_;
    std::uint64_t size_;
};

}  // namespace mailroom::queue
