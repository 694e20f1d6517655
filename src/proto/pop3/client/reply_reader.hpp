// pop3::client::reply_reader: turns a POP3 server's bytes into status lines
// ("+OK text" / "-ERR text", RFC 1939 §3), SASL continuations ("+ data",
// RFC 5034 §4) and multi-line bodies, dot-unstuffed and streamed out in
// pieces so a large RETR is never held whole. Bounded line and body sizes.
// Parses only; the client session decides what a reply means.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "proto/common/input_buffer.hpp"

namespace mailroom::pop3::client {

struct reply_limits {
    // RFC 1939 §3 allows 512 octets per status line, RFC 2449 §4 lifts it
    // for CAPA; real servers send long -ERR texts: be generous, but bounded.
    std::size_t max_line_bytes = 4096;
    std::uint64_t max_body_bytes = 1ull << 30;      // RETR/TOP: one message
    std::uint64_t max_listing_bytes = 64ull << 20;  // CAPA/LIST/UIDL bodies
};

struct status_line {
    bool ok = false;
    std::string text;  // after "+OK "/"-ERR ", control characters as '?'
};
struct continuation {
    std::string data;  // after "+ " (base64 challenge, maybe empty)
};

enum class reply_error {
    bad_syntax,     // neither +OK nor -ERR (nor "+ " where a continuation may come)
    line_too_long,  // over reply_limits::max_line_bytes
    too_long,       // a multi-line body over its limit
};
std::string_view describe(reply_error e) noexcept;

class reply_reader {
public:
    explicit reply_reader(reply_limits lim = {}) : lim_(lim) {}

    void feed(std::string_view bytes) { in_.append(bytes); }

    // The next status line (or continuation when allowed), monostate when
    // more bytes are needed, or an error after which the reader stays failed.
    using status_result = std::variant<std::monostate, status_line, continuation, reply_error>;
    status_result next_status(bool allow_continuation = false);

    // After a +OK that starts a multi-line response (RFC 1939 §3): appends
    // the unstuffed bytes buffered so far to out (CRLF kept, the final
    // ".CRLF" not), and returns true once the terminator was read.
    enum class body_state { more, done, failed };
    body_state next_body(std::string& out, std::uint64_t limit);
    void begin_body() noexcept;

    reply_error error() const noexcept { return failed_.value_or(reply_error::bad_syntax); }
    bool has_unread_bytes() const noexcept { return in_.buffered() != 0; }
    void clear() noexcept { in_.clear(); }  // after STLS (RFC 2595 §4)

private:
    enum class scan { line_start, dot, dot_cr, mid };

    reply_limits lim_;
    proto::input_buffer in_{lim_.max_line_bytes};
    scan scan_ = scan::line_start;
    std::uint64_t body_bytes_ = 0;
    std::optional<reply_error> failed_;
};

}  // namespace mailroom::pop3::client
