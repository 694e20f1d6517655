// queue::message_source: the content of a message that may be larger than
// memory, read in pieces (the staged body of an SMTP transaction, a string
// held in memory, a header put before either). The spool and local
// delivery copy from it piece by piece; nothing here holds a whole message
// unless it already was in memory. Made by the SMTP driver, inject and the
// scheduler; read by queue::spool::enqueue and server::deliver_locally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

#include "common/result.hpp"

namespace mailroom::queue {

class message_source {
public:
    virtual ~message_source() = default;
    // Receives each piece in order; an error stops the copy and is returned.
    using sink = std::function<std::error_code(std::string_view)>;

    virtual std::uint64_t size() const noexcept = 0;
    // Calls `to` with consecutive pieces covering the content (none empty,
    // each at most a few hundred KiB); returns the first error of reading
    // or of `to`. Blocking when the content is on disk; may be called again.
    virtual std::error_code copy_to(const sink& to) const = 0;
};

// A message already in memory (not copied: `bytes` must outlive it).
class memory_source final : public message_source {
public:
    explicit memory_source(std::string_view bytes) noexcept : bytes_(bytes) {}
    std::uint64_t size() const noexcept override { return bytes_.size(); }
    std::error_code copy_to(const sink& to) const override;

private:
    std::string_view bytes_;
};

// `head` (trace fields) followed by `rest`; both must outlive it.
class prefixed_source final : public message_source {
public:
    prefixed_source(std::string_view head, const message_source& rest) noexcept : head_(head), rest_(rest) {}
    std::uint64_t size() const noexcept override { return head_.size() + rest_.size(); }
    std::error_code copy_to(const sink& to) const override;

private:
    std::string_view head_;
    const message_source& rest_;
};

// The first `max_bytes` of the content (all of it when shorter): for the
// notices that quote a message's header or, when small, all of it.
result<std::string> read_head(const message_source& src, std::size_t max_bytes);

}  // namespace mailroom::queue
