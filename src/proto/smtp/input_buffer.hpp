// smtp::input_buffer: the client's bytes, read either as command lines
// (bounded, like common/line_buffer) or raw (DATA text, BDAT chunks, which
// follow their command directly in the stream). Memory stays bounded by
// the longest allowed line plus one read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailroom::smtp {

class input_buffer {
public:
    void append(std::string_view bytes);

    enum class status { line, need_more, too_long };
    struct line_result {
        status what;
        std::string_view line;  // without CRLF (or bare LF); valid until the next call
    };
    // The next line if complete. A line longer than max_line_bytes (CRLF
    // included) is reported once as too_long and skipped up to its LF.
    line_result next_line(std::size_t max_line_bytes);

    std::string_view raw() const noexcept { return std::string_view(buf_).substr(pos_); }
    void consume(std::size_t n) noexcept { pos_ += n; }
    void clear() noexcept;  // drops everything (cleartext before STARTTLS, RFC 3207 §4.2)

private:
    void compact();
    std::string buf_;
    std::size_t pos_ = 0;
    bool discarding_ = false;  // inside an over-long line already reported
};

}  // namespace mailroom::smtp
