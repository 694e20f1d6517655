#include "proto/pop3/client/reply_reader.hpp"

#include "proto/common/peer_text.hpp"

namespace mailroom::pop3::client {

std::string_view describe(reply_error e) noexcept {
    switch (e) {
        case reply_error::bad_syntax: return "malformed reply (neither +OK nor -ERR)";
        case reply_error::line_too_long: return "reply line too long";
        case reply_error::too_long: return "multi-line response too long";
    }
    return "bad reply";
}

reply_reader::status_result reply_reader::next_status(bool allow_continuation) {
    if (failed_) return *failed_;
    auto got = in_.next_line(lim_.max_line_bytes);
    if (got.what == proto::input_buffer::status::need_more) return std::monostate{};
    if (got.what == proto::input_buffer::status::too_long) return *(failed_ = reply_error::line_too_long);
    const auto line = got.line;
    // RFC 1939 §3: a status indicator, then optionally SP and text.
    auto text_after = [&](std::size_t n) -> std::optional<std::string> {
        if (line.size() == n) return std::string();
        if (line[n] != ' ') return std::nullopt;
        return proto::peer_text(line.substr(n + 1));
    };
    if (line.starts_with("+OK")) {
        if (auto t = text_after(3)) return status_line{true, std::move(*t)};
    } else if (line.starts_with("-ERR")) {
        if (auto t = text_after(4)) return status_line{false, std::move(*t)};
    } else if (allow_continuation && line.starts_with("+")) {
        // RFC 5034 §4: "+" SP base64, or a bare "+" (some servers).
        if (auto t = text_after(1)) return continuation{std::move(*t)};
    }
    return *(failed_ = reply_error::bad_syntax);
}

void reply_reader::begin_body() noexcept {
    scan_ = scan::line_start;
    body_bytes_ = 0;
}

reply_reader::body_state reply_reader::next_body(std::string& out, std::uint64_t limit) {
    if (failed_) return body_state::failed;
    const auto raw = in_.raw();
    const auto start = out.size();
    std::size_t i = 0;
    bool done = false;
    auto emit = [&](char c) {
        out += c;
        if (c == '\n') scan_ = scan::line_start;
        else scan_ = scan::mid;
    };
    for (; i < raw.size() && !done; ++i) {
        const char c = raw[i];
        switch (scan_) {
            case scan::line_start:
                if (c == '.') scan_ = scan::dot;
                else emit(c);
                break;
            case scan::dot:  // RFC 1939 §3: a leading '.' is stuffing, ".CRLF" ends
                if (c == '\r') scan_ = scan::dot_cr;
                else if (c == '\n') done = true;  // a bare ".LF": lenient, as mpop
                else emit(c);
                break;
            case scan::dot_cr:
                if (c == '\n') {
                    done = true;
                } else {
                    out += '\r';
                    scan_ = scan::mid;
                    emit(c);
                }
                break;
            case scan::mid: emit(c); break;
        }
    }
    in_.consume(i);
    body_bytes_ += out.size() - start;
    if (body_bytes_ > limit) {
        failed_ = reply_error::too_long;
        return body_state::failed;
    }
    return done ? body_state::done : body_state::more;
}

}  // namespace mailroom::pop3::client
