// queue::control_protocol: the line protocol of DATA/control.sock, through
// which `mailroom queue flush|delete|bounce` asks the running server's
// scheduler to act (issue #4), and `mailroom reload` asks it to re-read its
// configuration (issue #12). Sans-I/O: bytes in, a request out; the socket
// is src/server/control_socket.hpp, the client src/cli/queue.cpp.
//
// One request per connection, one reply, then the server closes:
//   request = ("FLUSH" [SP id] / "DELETE" SP id / "BOUNCE" SP id / "RELOAD") [CR] LF
//   reply   = ("OK" / "ERR") SP text LF
// Verbs are case-insensitive ASCII; an id is a queue id exactly as the spool
// names its files (16 lower-case hex digits), so no id can name a path. A
// line is at most max_control_line_bytes with its line end.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mailroom::queue {

inline constexpr std::size_t max_control_line_bytes = 512;

enum class control_verb { flush, remove, bounce, reload };  // FLUSH, DELETE, BOUNCE, RELOAD

struct control_request {
    control_verb verb = control_verb::flush;
    std::string id;  // "" = every message (FLUSH only); always "" for RELOAD

    bool operator==(const control_request&) const = default;
};

// Why a request line is refused, in words for an ERR reply.
struct control_refusal {
    std::string reason;

    bool operator==(const control_refusal&) const = default;
};

using parsed_request = std::variant<control_request, control_refusal>;

// One request line, without its line end.
parsed_request parse_control_request(std::string_view line);

// The line the client sends, LF included. id must be "" or a queue id.
std::string format_control_request(const control_request& request);

// Collects the one request line of a connection from bytes as they arrive
// (any split). The answer is fixed by the first line end, by a line over
// the limit, or by the end of input (an unterminated line is still parsed,
// so `printf FLUSH | nc -U` works); bytes after it are ignored.
class control_request_reader {
public:
    void feed(std::string_view bytes);
    void feed_eof();
    // nullopt: more input is needed. Then the same answer on every call.
    const std::optional<parsed_request>& result() const noexcept { return result_; }

private:
    std::string line_;  // the line so far, without its LF: never over the limit
    std::optional<parsed_request> result_;
};

struct control_reply {
    bool ok = false;
    std::string text;

    bool operator==(const control_reply&) const = default;
};

// "OK text\n" / "ERR text\n". The text becomes one line that fits the
// limit: control bytes turn into '?', and a longer text is cut.
std::string format_control_reply(const control_reply& reply);

// One reply line, without its line end; nullopt unless it starts with
// "OK " or "ERR " (or is exactly "OK" / "ERR").
std::optional<control_reply> parse_control_reply(std::string_view line);

}  // namespace mailroom::queue
