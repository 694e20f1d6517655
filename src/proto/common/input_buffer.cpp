#include "proto/common/input_buffer.hpp"

#include <algorithm>

namespace mailroom::proto {

void input_buffer::compact() {
    // Move the unconsumed tail down once it is at most half the buffer, so
    // the buffer holds little more than one read.
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(0, pos_);
        scan_ -= std::min(scan_, pos_);
        pos_ = 0;
    }
}

void input_buffer::append(std::string_view bytes) {
    compact();
    buf_.append(bytes);
}

input_buffer::line_result input_buffer::next_line(std::size_t max_line_bytes) {
    for (;;) {
        // Search only what earlier calls have not: a long line arriving a
        // byte at a time costs its length, not its length squared.
        const std::size_t from = std::max(scan_, pos_);
        const auto lf = buf_.find('\n', from);
        bytes_scanned_ += (lf == std::string::npos ? buf_.size() : lf + 1) - from;
        scan_ = lf == std::string::npos ? buf_.size() : lf;
        if (discarding_) {
            if (lf == std::string::npos) {  // still inside the long line: drop what came
                buf_.resize(pos_);
                scan_ = pos_;
                return {status::need_more, {}};
            }
            discarding_ = false;
            pos_ = scan_ = lf + 1;
            continue;
        }
        if (lf == std::string::npos) {
            if (buf_.size() - pos_ >= max_line_bytes) {  // cannot fit, even with its LF
                buf_.resize(pos_);
                scan_ = pos_;
                discarding_ = true;
                return {status::too_long, {}};
            }
            return {status::need_more, {}};
        }
        const std::size_t start = pos_;
        std::size_t len = lf - start;
        pos_ = scan_ = lf + 1;
        if (len + 1 > max_line_bytes) return {status::too_long, {}};
        if (len > 0 && buf_[lf - 1] == '\r') --len;
        return {status::line, std::string_view(buf_).substr(start, len)};
    }
}

std::string_view input_buffer::take(std::uint64_t n) {
    const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(n, buffered()));
    const auto out = std::string_view(buf_).substr(pos_, k);
    pos_ += k;
    return out;
}

void input_buffer::consume(std::size_t n) noexcept { pos_ += std::min(n, buffered()); }

void input_buffer::clear() noexcept {
    buf_.clear();
    pos_ = scan_ = 0;
    discarding_ = false;
}

}  // namespace mailroom::proto
