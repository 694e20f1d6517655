#include "proto/smtp/client/reply_reader.hpp"

#include "proto/common/peer_text.hpp"

namespace mailroom::smtp::client {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits_1_to_3(std::string_view s) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

}  // namespace

std::string reply::summary() const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += i == 0 ? " " : " / ";
        out += lines[i];
    }
    return out;
}

reply reply::local(std::string enhanced, std::string text) {
    reply r;
    r.enhanced = std::move(enhanced);
    r.lines.push_back(std::move(text));
    return r;
}

std::string_view describe(reply_error e) noexcept {
    switch (e) {
        case reply_error::bad_syntax: return "malformed reply line";
        case reply_error::bad_code: return "reply code out of range";
        case reply_error::mixed_codes: return "multi-line reply with different codes";
        case reply_error::line_too_long: return "reply line too long";
        case reply_error::too_many_lines: return "reply has too many lines";
        case reply_error::too_long: return "reply too long";
    }
    return "bad reply";
}

std::optional<std::string> parse_enhanced_code(std::string_view text, int reply_code) {
    const auto end = text.find(' ');
    const auto word = text.substr(0, end);
    const auto dot1 = word.find('.');
    if (dot1 != 1) return std::nullopt;
    const auto dot2 = word.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos) return std::nullopt;
    const char cls = word[0];
    if (cls != '2' && cls != '4' && cls != '5') return std::nullopt;
    if (cls - '0' != reply_code / 100) return std::nullopt;
    if (!digits_1_to_3(word.substr(dot1 + 1, dot2 - dot1 - 1)) || !digits_1_to_3(word.substr(dot2 + 1)))
        return std::nullopt;
    return std::string(word);
}

void reply_reader::clear() noexcept {
    in_.clear();
    partial_ = {};
    partial_bytes_ = 0;
}

reply_reader::result reply_reader::next() {
    if (failed_) return *failed_;
    for (;;) {
        auto got = in_.next_line(lim_.max_line_bytes);
        if (got.what == proto::input_buffer::status::need_more) return std::monostate{};
        if (got.what == proto::input_buffer::status::too_long) return *(failed_ = reply_error::line_too_long);
        const auto line = got.line;
        // RFC 5321 §4.2: Reply-code [ ("-" / SP) textstring ]
        if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
            (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
            return *(failed_ = reply_error::bad_syntax);
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (code < 200 || code > 599) return *(failed_ = reply_error::bad_code);
        if (!partial_.lines.empty() && code != partial_.code) return *(failed_ = reply_error::mixed_codes);
        if (partial_.lines.size() + 1 > lim_.max_lines) return *(failed_ = reply_error::too_many_lines);
        partial_bytes_ += line.size() + 2;
        if (partial_bytes_ > lim_.max_reply_bytes) return *(failed_ = reply_error::too_long);
        partial_.code = code;
        partial_.lines.push_back(proto::peer_text(line.size() > 4 ? line.substr(4) : std::string_view()));
        if (line.size() > 3 && line[3] == '-') continue;
        reply done = std::move(partial_);
        partial_ = {};
        partial_bytes_ = 0;
        if (auto enh = parse_enhanced_code(done.lines.front(), done.code)) done.enhanced = std::move(*enh);
        return done;
    }
}

}  // namespace mailroom::smtp::client
