// A stored message file mapped read-only, so the parser, section and binary
// functions (which take bytes) run on files without copying them. Owns the
// mapping. Called by whoever parses or serves a message from the Maildir.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mailroom::mime {

class mapped_message {
public:
    static result<mapped_message> open(const std::string& path);

    mapped_message(mapped_message&& o) noexcept;
    mapped_message& operator=(mapped_message&& o) noexcept;
    mapped_message(const mapped_message&) = delete;
    mapped_message& operator=(const mapped_message&) = delete;
    ~mapped_message();

    std::string_view bytes() const noexcept { return {data_, size_}; }

private:
    mapped_message(const char* data, std::size_t size) noexcept : data_(data), size_(size) {}
    void unmap() noexcept;
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace mailroom::mime
