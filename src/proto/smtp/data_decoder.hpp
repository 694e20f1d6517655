// smtp::data_decoder: the message text after DATA (RFC 5321 §4.1.1.4,
// §4.5.2), streamed and bounded. The data ends only at CRLF "." CRLF: a
// bare LF or bare CR is content, never a line end, so no sequence like
// "\n.\n" or "\r.\r" can end the message early (SMTP smuggling); such a
// message is then refused as a whole (RFC 5321 §2.3.8 forbids them).
// Lines starting with "." lose that dot (transparency, §4.5.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailroom::smtp {

class data_decoder {
public:
    data_decoder(std::uint64_t max_message_bytes, std::size_t max_text_line);

    // Takes bytes in any split; returns how many it used. It stops right
    // after the terminating CRLF.CRLF: the rest is the next command.
    std::size_t feed(std::string_view bytes);
    bool done() const noexcept { return state_ == state::done; }

    enum class problem { none, too_big, bare_line_end, line_too_long };
    // The first problem seen; the message must be refused unless none.
    problem verdict() const noexcept { return problem_; }

    // The message with CRLF line ends and dots unstuffed (empty if too big).
    std::string take_message() { return std::move(message_); }
    std::uint64_t received_bytes() const noexcept { return received_; }

private:
    enum class state { line_start, in_line, cr, dot, dot_cr, done };
    void content(char c);
    void flag(problem p) {
        if (problem_ == problem::none) problem_ = p;
    }

    std::uint64_t max_bytes_;
    std::size_t max_line_;
    state state_ = state::line_start;
    std::size_t line_length_ = 0;
    std::uint64_t received_ = 0;  // message octets after unstuffing
    problem problem_ = problem::none;
    std::string message_;
};

}  // namespace mailroom::smtp
