// smtp::data_decoder: the message text after DATA (RFC 5321 §4.1.1.4,
// §4.5.2), streamed and bounded. The data ends only at CRLF "." CRLF: a
// bare LF or bare CR is content, never a line end, so no sequence like
// "\n.\n" or "\r.\r" can end the message early (SMTP smuggling); such a
// message is then refused as a whole (RFC 5321 §2.3.8 forbids them).
// Lines starting with "." lose that dot (transparency, §4.5.2). The decoded
// text is taken out as it comes (take_output), so the decoder holds only
// what arrived since the last take. Used by smtp::server_session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

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

    // The text decoded since the last call (CRLF line ends, dots unstuffed);
    // once the message is too big nothing more is kept. One feed adds at
    // most one octet more than it used (a CR held back until the next octet).
    std::string take_output() { return std::exchange(output_, std::string()); }
    std::size_t output_bytes() const noexcept { return output_.size(); }
    std::uint64_t received_bytes() const noexcept { return received_; }

private:
    enum class state { line_start, in_line, cr, dot, dot_cr, done };
    void content(char c) { content(std::string_view(&c, 1)); }
    void content(std::string_view run);
    void line_run(std::string_view run);  // text without CR or LF inside a line
    void flag(problem p) {
        if (problem_ == problem::none) problem_ = p;
    }

    std::uint64_t max_bytes_;
    std::size_t max_line_;
    state state_ = state::line_start;
    std::size_t line_length_ = 0;
    std::uint64_t received_ = 0;  // message octets after unstuffing
    problem problem_ = problem::none;
    std::string output_;
};

}  // namespace mailroom::smtp
