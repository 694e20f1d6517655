// proto::input_buffer: a peer's bytes, read either as bounded lines (line
// mode: commands, SASL responses, SMTP replies) or as raw octets that follow
// a command directly in the stream (raw mode: SMTP DATA text and BDAT
// chunks, IMAP literals {n}). Used by every engine; knows no protocol.
// Memory stays bounded by the longest allowed line plus one read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailroom::proto {

class input_buffer {
public:
    // max_line_bytes: the limit next_line() applies, terminator included (RFC limits count it).
    explicit input_buffer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

    void append(std::string_view bytes);  // any split: whole, per line, per byte

    enum class status { line, need_more, too_long };
    struct line_result {
        status what;
        std::string_view line;  // without LF or CRLF; valid until the next call
    };
    // Line mode. The next complete line (ending at LF; a CR before it is
    // removed too); or need_more; or too_long, once for each line longer than
    // the limit, at its place in the stream, as soon as the limit is passed.
    // The rest of that line is dropped as it arrives (resync at its LF).
    line_result next_line() { return next_line(max_line_bytes_); }
    line_result next_line(std::size_t max_line_bytes);

    // Raw mode. Up to n octets of what is buffered, consumed (fewer when
    // fewer have arrived: call again after the next append). For a counted
    // block (BDAT n, IMAP {n}) the caller subtracts what it got.
    std::string_view take(std::uint64_t n);
    // Everything buffered, not consumed; consume(k) after using k of it.
    std::string_view raw() const noexcept { return std::string_view(buf_).substr(pos_); }
    void consume(std::size_t n) noexcept;

    // Drops everything buffered (cleartext read ahead of a TLS handshake:
    // RFC 3207 §4.2, RFC 2595 §4) and any long line being skipped.
    void clear() noexcept;
    std::size_t buffered() const noexcept { return buf_.size() - pos_; }
    std::size_t max_line_bytes() const noexcept { return max_line_bytes_; }
    // Bytes next_line() has searched for an LF, in total: each byte once,
    // however the line is split (tests check the scan is linear).
    std::uint64_t bytes_scanned() const noexcept { return bytes_scanned_; }

private:
    void compact();

    std::size_t max_line_bytes_;
    std::string buf_;
    std::size_t pos_ = 0;   // start of the unconsumed part of buf_
    std::size_t scan_ = 0;  // [pos_, scan_) holds no LF: the next search starts here
    std::uint64_t bytes_scanned_ = 0;
    bool discarding_ = false;  // inside an over-long line already reported
};

}  // namespace mailroom::proto
