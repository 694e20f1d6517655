#include "proto/smtp/data_decoder.hpp"

#include <algorithm>
#include <utility>

namespace mailroom::smtp {

data_decoder::data_decoder(std::uint64_t max_message_bytes, std::size_t max_text_line)
    : max_bytes_(max_message_bytes), max_line_(max_text_line) {}

void data_decoder::content(std::string_view run) {
    received_ += run.size();
    if (received_ > max_bytes_) {
        flag(problem::too_big);
        output_.clear();
        output_.shrink_to_fit();
        return;
    }
    if (problem_ != problem::too_big) output_ += run;
}

// As if each octet went through in_line one by one: its line-length check,
// then its size check, so the first problem is the same at any split.
void data_decoder::line_run(std::string_view run) {
    if (problem_ == problem::none) {
        const std::size_t line_room = max_line_ - 2 >= line_length_ ? max_line_ - 2 - line_length_ : 0;
        const std::uint64_t size_room = max_bytes_ >= received_ ? max_bytes_ - received_ : 0;
        // index of the first octet over each limit (run.size() when none is)
        const std::size_t long_at = std::min(line_room, run.size());
        const std::size_t big_at = static_cast<std::size_t>(std::min<std::uint64_t>(size_room, run.size()));
        if (long_at < run.size() && long_at <= big_at) flag(problem::line_too_long);
        else if (big_at < run.size()) flag(problem::too_big);
    }
    line_length_ += run.size();
    if (line_length_ > max_line_ - 2) flag(problem::line_too_long);
    content(run);
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
                if (c != '\r' && c != '\n') {
                    // the run up to the next CR or LF at once
                    const auto end = std::min(bytes.find_first_of("\r\n", i), bytes.size());
                    line_run(bytes.substr(i, end - i));
                    i = end;
                    consumed = false;
                } else if (c == '\r') {
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
