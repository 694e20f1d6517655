// mime::detail::memory_text / window_text: the few operations the MIME
// parser's builder makes on a stored message - an octet, the end of a line,
// a comparison, a header's bytes, a range's CRLF size and line count - over
// bytes in memory, or over a file read through a callback by windows of
// window_bytes (so a 30 MiB message is parsed in a bounded amount of memory).
// After a failed read, window_text answers as an empty tail so the builder
// ends at once, and failed() holds the error. Used by parser.cpp only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "mail/mime/crlf.hpp"
#include "mail/mime/parser.hpp"

namespace mailroom::mime::detail {

struct range_counts {
    std::uint64_t crlf_size = 0;  // octets once every bare LF is CRLF
    std::uint64_t lines = 0;      // LFs
};

class memory_text {
public:
    explicit memory_text(std::string_view s) noexcept : s_(s) {}
    std::size_t size() const noexcept { return s_.size(); }
    char operator[](std::size_t pos) const noexcept { return s_[pos]; }
    std::size_t line_end(std::size_t pos) const noexcept {
        const auto lf = s_.find('\n', pos);
        return lf == std::string_view::npos ? s_.size() : lf + 1;
    }
    bool equals(std::size_t pos, std::string_view what) const noexcept {
        return s_.compare(pos, what.size(), what) == 0;
    }
    std::string_view slice(std::size_t begin, std::size_t length) const noexcept { return s_.substr(begin, length); }
    std::uint64_t crlf_size(std::size_t begin, std::size_t length) const noexcept {
        return mime::crlf_size(s_.substr(begin, length));
    }
    range_counts counts(std::size_t begin, std::size_t length) const noexcept {
        const auto r = s_.substr(begin, length);
        return {mime::crlf_size(r), mime::line_count(r)};
    }

private:
    std::string_view s_;
};

inline constexpr std::size_t window_bytes = 64 * 1024;
// A header longer than this is parsed from its first max_header_bytes only
// (its Content-* fields and envelope; its ranges and sizes stay exact).
inline constexpr std::size_t max_header_bytes = 1 << 20;

class window_text {
public:
    window_text(std::uint64_t size, const read_function& read) : size_(static_cast<std::size_t>(size)), read_(read) {}
    std::size_t size() const noexcept { return size_; }
    char operator[](std::size_t pos) {
        if (!hold(pos)) return '\n';
        return win_[pos - start_];
    }
    std::size_t line_end(std::size_t pos);
    bool equals(std::size_t pos, std::string_view what);
    std::string slice(std::size_t begin, std::size_t length);
    std::uint64_t crlf_size(std::size_t begin, std::size_t length) { return counts(begin, length).crlf_size; }
    range_counts counts(std::size_t begin, std::size_t length);
    std::error_code failed() const noexcept { return failed_; }

private:
    bool hold(std::size_t pos);  // the window covers pos (false: past the end, or a failed read)

    std::size_t size_;
    const read_function& read_;
    std::string win_;
    std::size_t start_ = 0;
    std::error_code failed_;
};

}  // namespace mailroom::mime::detail
