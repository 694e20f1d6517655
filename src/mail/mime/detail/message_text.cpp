// The window over a message read by pieces (see detail/message_text.hpp).
#include <algorithm>
#include <cstring>

#include "common/errors.hpp"
#include "mail/mime/detail/message_text.hpp"

namespace mailroom::mime::detail {

bool window_text::hold(std::size_t pos) {
    if (failed_ || pos >= size_) return false;
    if (pos >= start_ && pos - start_ < win_.size()) return true;
    // A little before pos too: the builder looks one or two octets back.
    const std::size_t from = pos >= 16 ? pos - 16 : 0;
    const std::size_t want = std::min(window_bytes, size_ - from);
    win_.clear();
    while (win_.size() <= pos - from) {  // one read, unless the reader gives less
        auto got = read_(from + win_.size(), want - win_.size());
        if (!got || got->empty()) {
            failed_ = got ? make_error_code(errc::not_found) : got.error();  // empty: shorter than it was
            win_.clear();
            return false;
        }
        if (win_.empty()) win_ = std::move(*got);
        else win_ += *got;
    }
    start_ = from;
    return true;
}

std::size_t window_text::line_end(std::size_t pos) {
    while (hold(pos)) {
        const char* base = win_.data() + (pos - start_);
        const std::size_t left = win_.size() - (pos - start_);
        if (const auto* lf = static_cast<const char*>(std::memchr(base, '\n', left)))
            return pos + static_cast<std::size_t>(lf - base) + 1;
        pos += left;
    }
    return size_;
}

bool window_text::equals(std::size_t pos, std::string_view what) {
    if (pos > size_ || size_ - pos < what.size()) return false;
    for (std::size_t i = 0; i < what.size(); ++i) {
        if (!hold(pos + i) || win_[pos + i - start_] != what[i]) return false;
    }
    return true;
}

std::string window_text::slice(std::size_t begin, std::size_t length) {
    length = std::min(length, max_header_bytes);
    if (failed_ || begin >= size_) return {};
    length = std::min(length, size_ - begin);
    if (hold(begin) && begin - start_ + length <= win_.size()) return win_.substr(begin - start_, length);
    std::string out;  // a header larger than the window: read on its own
    while (out.size() < length) {
        auto got = read_(begin + out.size(), length - out.size());
        if (!got || got->empty()) {
            failed_ = got ? make_error_code(errc::not_found) : got.error();  // empty: shorter than it was
            return {};
        }
        out += *got;
    }
    return out;
}

// Window by window; a LF at the start of a later window sees the octet
// before it (the range's first octet does not, as mime::crlf_size of it).
range_counts window_text::counts(std::size_t begin, std::size_t length) {
    range_counts n;
    const std::size_t end = std::min(size_, begin + length);
    bool prev_cr = false;
    for (std::size_t pos = begin; pos < end && hold(pos);) {
        const std::size_t take = std::min(end - pos, win_.size() - (pos - start_));
        const std::string_view piece(win_.data() + (pos - start_), take);
        n.crlf_size += mime::crlf_size(piece) - ((piece.front() == '\n' && prev_cr) ? 1 : 0);
        n.lines += mime::line_count(piece);
        prev_cr = piece.back() == '\r';
        pos += take;
    }
    return failed_ ? range_counts{} : n;
}

}  // namespace mailroom::mime::detail
