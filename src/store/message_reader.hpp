// store::message_reader: one stored message opened for reading in ranges,
// front to back, the file kept open across them (POP3 RETR/TOP stream a
// message this way with a bounded buffer). Made by mailbox::open_message();
// range_reader is the backend-neutral form over mailbox::read().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "common/result.hpp"

namespace mailroom::store {

class mailbox;

// May the call wait for the disk? cached_only: answer only from memory
// (the page and dentry caches), else std::errc::operation_would_block, so
// an event loop can try first and hand the slow case to a worker thread.
enum class read_mode { may_block, cached_only };

class message_reader {
public:
    virtual ~message_reader() = default;
    // Fills `into` from the current position and moves on: fewer bytes
    // than into.size() only at the end of the message (0 once there).
    virtual result<std::size_t> read(std::span<char> into) = 0;
    // As read() without waiting for the disk: stops early (and returns
    // what it has) where it would wait; at_end says the message is over.
    struct cached_part {
        std::size_t bytes = 0;
        bool at_end = false;
    };
    virtual result<cached_part> read_cached(std::span<char> into) = 0;
    virtual std::uint64_t position() const noexcept = 0;
};

// Reads through mailbox::read(uid, offset, length), one call per range;
// never answers from cache alone (read_cached returns no bytes).
class range_reader final : public message_reader {
public:
    range_reader(mailbox& box, std::uint32_t uid) : box_(box), uid_(uid) {}
    result<std::size_t> read(std::span<char> into) override;
    result<cached_part> read_cached(std::span<char>) override { return cached_part{}; }
    std::uint64_t position() const noexcept override { return offset_; }

private:
    mailbox& box_;
    std::uint32_t uid_;
    std::uint64_t offset_ = 0;
};

}  // namespace mailroom::store
