#include "common/line_buffer.hpp"

#include <algorithm>

namespace mailroom {

void line_buffer::append(std::string_view bytes) {
    if (discarding_) {
        auto lf = bytes.find('\n');
        if (lf == std::string_view::npos) return;  // still inside the long line
        discarding_ = false;
        bytes.remove_prefix(lf + 1);
    }
    // Compact before growing so the buffer holds little more than one read.
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(0, pos_);
        for (auto& d : dropped_) d -= pos_;
        pos_ = 0;
    }
    buf_.append(bytes);
    // Only the unterminated tail can grow without bound: cut it out when it
    // passes the limit and remember where it stood.
    std::size_t floor = dropped_.empty() ? pos_ : std::max(pos_, dropped_.back());
    auto last_lf = buf_.rfind('\n');
    std::size_t tail = (last_lf == std::string::npos || last_lf < floor) ? floor : last_lf + 1;
    if (buf_.size() - tail > max_line_bytes_) {
        buf_.resize(tail);
        dropped_.push_back(tail);
        discarding_ = true;
    }
}

line_buffer::next_result line_buffer::next() {
    if (!dropped_.empty() && dropped_.front() == pos_) {
        dropped_.erase(dropped_.begin());
        return {status::too_long, {}};
    }
    std::size_t end = dropped_.empty() ? buf_.size() : dropped_.front();
    auto lf = std::string_view(buf_).substr(0, end).find('\n', pos_);
    if (lf == std::string::npos) return {status::need_more, {}};
    std::size_t len = lf - pos_;
    std::size_t start = pos_;
    pos_ = lf + 1;
    if (len + 1 > max_line_bytes_) return {status::too_long, {}};
    last_crlf_ = len > 0 && buf_[lf - 1] == '\r';
    return {status::line, std::string_view(buf_.data() + start, last_crlf_ ? len - 1 : len)};
}

void line_buffer::clear() noexcept {
    buf_.clear();
    pos_ = 0;
    discarding_ = false;
    dropped_.clear();
}

}  // namespace mailroom
