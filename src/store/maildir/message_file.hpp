// store::maildir::message_file: a Maildir message file held open for
// reading in ranges (store::message_reader). Opening and reading either may
// wait for the disk or answer only from the kernel's caches (openat2
// RESOLVE_CACHED, preadv2 RWF_NOWAIT), so the POP3 driver can read a cached
// message on its event loop and only hand the rest to a worker thread.
// Made by maildir_mailbox::open_message.
#pragma once

#include <filesystem>
#include <memory>

#include "common/handles.hpp"
#include "store/message_reader.hpp"

namespace mailroom::store::maildir {

class message_file final : public message_reader {
public:
    // errc::not_found if the file is gone; cached_only: would_block where
    // the path is not in the dentry cache (or the kernel lacks openat2).
    // size: the message's size in the index; a file one octet shorter lacks
    // its final line end, which the reader supplies ("\n", as sync counted it).
    static result<std::unique_ptr<message_reader>> open(const std::filesystem::path& file, read_mode mode,
                                                        std::uint64_t size);

    result<std::size_t> read(std::span<char> into) override;
    result<cached_part> read_cached(std::span<char> into) override;
    std::uint64_t position() const noexcept override { return offset_; }

private:
    message_file(unique_fd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
    bool final_lf_missing() const noexcept { return size_ != 0 && offset_ + 1 == size_; }  // at the file's end

    unique_fd fd_;
    std::uint64_t size_;
    std::uint64_t offset_ = 0;
};

}  // namespace mailroom::store::maildir
