// line_buffer: splits a byte stream from a peer into lines, never holding
// more than max_line_bytes of an unfinished line. Used by every protocol
// engine; it knows nothing of any protocol.
//
// A line ends at LF; a CR just before the LF is removed too. (Command lines
// may end in bare LF, as Dovecot and Postfix accept; protocols that must
// insist on CRLF - SMTP DATA - ask ended_with_crlf().)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailroom {

class line_buffer {
public:
    // max_line_bytes counts the line terminator (RFC limits do).
    explicit line_buffer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

    // Takes bytes as they came, in any split. A line over the limit is
    // discarded as it arrives, so memory stays bounded by the limit.
    void append(std::string_view bytes);

    enum class status { line, need_more, too_long };
    struct next_result {
        status what;
        std::string_view line;  // without terminator; valid until the next call
    };
    // Returns the next complete line, in order; or too_long once for every
    // line that exceeded the limit, at its place in the stream (reported as
    // soon as the limit is passed; the rest of that line is discarded as it
    // arrives, so the stream resyncs at the next LF); or need_more.
    next_result next();

    bool ended_with_crlf() const noexcept { return last_crlf_; }
    // Drops everything buffered (read-ahead before TLS starts, RFC 2595 §4).
    void clear() noexcept;
    std::size_t buffered() const noexcept { return buf_.size() - pos_; }
    std::size_t max_line_bytes() const noexcept { return max_line_bytes_; }

private:
    std::size_t max_line_bytes_;
    std::string buf_;
    std::size_t pos_ = 0;            // start of the unconsumed part of buf_
    bool discarding_ = false;           // inside an over-long line
    std::vector<std::size_t> dropped_;  // offsets in buf_ where a long line was cut out
    bool last_crlf_ = false;
};

}  // namespace mailroom
