#include "proto/smtp/data_decoder.hpp"

namespace mailroom::smtp {

data_decoder::data_decoder(std::uint64_t max_message_bytes, std::size_t max_text_line)
    : max_bytes_(max_message_bytes), max_line_(max_text_line) {}

void data_decoder::content(char c) {
    ++received_;
    if (received_ > max_bytes_) {
        flag(problem::too_big);
        message_.clear();
        message_.shrink_to_fit();
        return;
    }
    if (problem_ != problem::too_big) message_ += c;
}

std::size_t data_decoder::feed(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && state_ != state::done) {
        const char c = bytes[i];
        bool consumed = true;  // false: look at c again in the new state
        switch (state_) {
            case state::line_start:
                if (c == '.') {
                    state_ = state::dot;
                    break;
                }
                line_length_ = 0;
                state_ = state::in_line;
                [[fallthrough]];
            case state::in_line:
                if (c == '\r') {
                    state_ = state::cr;
                } else {
                    if (c == '\n') flag(problem::bare_line_end);  // content, not a line end
                    if (++line_length_ > max_line_ - 2) flag(problem::line_too_long);
                    content(c);
                }
                break;
            case state::cr:
                if (c == '\n') {
                    content('\r');
                    content('\n');
                    state_ = state::line_start;
                } else {
                    flag(problem::bare_line_end);  // the CR was content
                    content('\r');
                    ++line_length_;
                    state_ = state::in_line;
                    consumed = false;  // c is content of this line
                }
                break;
            case state::dot:
                if (c == '\r') {
                    state_ = state::dot_cr;
                } else {
                    // ".x": the dot was transparency stuffing; c starts the line
                    line_length_ = 1;
                    state_ = state::in_line;
                    consumed = false;
                }
                break;
            case state::dot_cr:
                if (c == '\n') {
                    state_ = state::done;  // CRLF "." CRLF
                } else {
                    flag(problem::bare_line_end);  // ".\r" + x: stuffed dot, then a bare CR
                    content('\r');
                    line_length_ = 2;
                    state_ = state::in_line;
                    consumed = false;
                }
                break;
            case state::done: break;
        }
        if (consumed) ++i;
    }
    return i;
}

}  // namespace mailroom::smtp
