// proxy::message_buffer: the text of one message on its way through the
// SMTP proxy, from the device's DATA to the upstream server. Kept in memory
// while small, then in an anonymous file (O_TMPFILE: it has no name, so
// nothing is left behind whatever happens to the process), so a connection
// holds a bounded amount of memory whatever the message size. Read back in
// pieces by delivery::transfer as smtp::client::stored_content. Used by
// proxy/smtp_relay.cpp, one per message. Not thread-safe: appends come
// from the event loop, reads from one transfer at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "common/handles.hpp"
#include "proto/smtp/client/outgoing_message.hpp"

namespace mailroom::proxy {

class message_buffer final : public smtp::client::stored_content {
public:
    static constexpr std::size_t default_memory_bytes = 256 * 1024;

    explicit message_buffer(std::filesystem::path temp_dir, std::size_t memory_bytes = default_memory_bytes)
        : dir_(std::move(temp_dir)), memory_bytes_(memory_bytes) {}

    // Adds to the text; the first error is kept (every later append and
    // error() return it) and the message must then be refused.
    std::error_code append(std::string_view bytes);
    std::error_code error() const noexcept { return failed_; }
    bool on_disk() const noexcept { return static_cast<bool>(file_); }

    std::uint64_t size() const noexcept override { return size_; }
    result<std::string> read(std::uint64_t offset, std::size_t max) const override;

private:
    std::error_code spill();

    std::filesystem::path dir_;
    std::size_t memory_bytes_;
    std::string memory_;
    unique_fd file_;
    std::uint64_t size_ = 0;
    std::error_code failed_;
};

}  // namespace mailroom::proxy
