#include "proto/smtp/input_buffer.hpp"

namespace mailroom::smtp {

void input_buffer::compact() {
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
}

void input_buffer::append(std::string_view bytes) {
    compact();
    buf_.append(bytes);
}

input_buffer::line_result input_buffer::next_line(std::size_t max_line_bytes) {
    const auto lf = buf_.find('\n', pos_);
    if (discarding_) {
        if (lf == std::string::npos) {  // still inside the long line: drop what came
            buf_.resize(pos_);
            return {status::need_more, {}};
        }
        discarding_ = false;
        pos_ = lf + 1;
        return next_line(max_line_bytes);
    }
    if (lf == std::string::npos) {
        if (buf_.size() - pos_ >= max_line_bytes) {  // cannot fit, even with its LF
            buf_.resize(pos_);
            discarding_ = true;
            return {status::too_long, {}};
        }
        return {status::need_more, {}};
    }
    const std::size_t start = pos_;
    std::size_t len = lf - start;
    pos_ = lf + 1;
    if (len + 1 > max_line_bytes) return {status::too_long, {}};
    if (len > 0 && buf_[lf - 1] == '\r') --len;
    return {status::line, std::string_view(buf_).substr(start, len)};
}

void input_buffer::clear() noexcept {
    buf_.clear();
    pos_ = 0;
    discarding_ = false;
}

}  // namespace mailroom::smtp
