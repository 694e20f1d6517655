// imap::client::response_reader: turns an IMAP server's bytes (RFC 9051 §7,
// RFC 3501 §7) into responses - tagged and untagged status responses with
// their [code], data responses as a tree of atoms, numbers, strings, NIL and
// lists, and continuation requests "+". Literals {n} and ~{n} that carry a
// message in a FETCH (BODY[...], BINARY[...], RFC822*) are streamed out in
// pieces and never held whole; other literals are kept, bounded. Parses
// only: the client session decides what a response means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/common/input_buffer.hpp"
#include "proto/imap/client/limits.hpp"

namespace mailroom::imap::client {

struct value {
    enum class kind { atom, number, string, nil, list, streamed };
    kind what = kind::atom;
    std::string text;          // atom or string bytes (quoted or literal, unescaped)
    std::uint64_t number = 0;  // number; the size of a streamed literal
    std::vector<value> items;  // list

    bool is_atom(std::string_view upper) const;  // an atom equal to `upper`, case-insensitive
    // The text of an atom, a string or a number (astring / nstring as one call).
    std::optional<std::string> as_string() const;
};

enum class status { none, ok, no, bad, bye, preauth };

struct response {
    bool tagged = false;
    std::string tag;              // the tag ("*" for untagged)
    status state = status::none;  // a status response (RFC 9051 §7.1), else none
    std::string code;             // "[CODE args]": CODE in upper case, without brackets
    std::string code_args;        // the rest inside the brackets, raw
    std::string text;             // the human text, control characters as '?'
    std::vector<value> data;      // a data response's tokens ("23 EXISTS", "CAPABILITY ...")
};

struct continuation_request {
    std::string text;  // after "+ " (base64 for SASL, free text for a literal)
};
// A streamed literal: begin, its bytes in pieces, end; then the rest of the
// response follows and the finished response holds a `streamed` value.
struct literal_begin {
    std::uint64_t size = 0;
    std::string item;  // the FETCH item before it: "BODY[]", "BINARY[1]", "RFC822"
};
struct literal_data {
    std::string bytes;
};
struct literal_end {};
struct line_read {
    std::string text;  // each line as read, for a trace (control characters as '?')
};

enum class reader_error {
    bad_syntax,          // not an IMAP response
    line_too_long,       // over max_line_bytes
    literal_too_large,   // over max_literal_bytes (kept) or max_message_bytes (streamed)
    response_too_large,  // over max_response_bytes or max_depth
};
std::string_view describe(reader_error e) noexcept;

class response_reader {
public:
    explicit response_reader(response_limits lim = {}) : lim_(lim) {}

    void feed(std::string_view bytes) { in_.append(bytes); }

    using event = std::variant<std::monostate, line_read, response, continuation_request, literal_begin, literal_data,
                               literal_end, reader_error>;
    // The next event, monostate when more bytes are needed. After an error
    // the reader stays failed and returns it again.
    event next();

    // RFC 9051 §6.2.1: nothing read ahead of the TLS handshake is kept.
    void clear() noexcept;
    bool has_unread_bytes() const noexcept { return in_.buffered() != 0; }

private:
    event parse_line(std::string_view line);
    event parse_status(std::string_view tag, status st, std::string_view rest);
    std::optional<reader_error> tokenize(std::string_view s);
    std::optional<reader_error> add(value v);
    event finish_segment();
    event read_literal();
    event fail(reader_error e);
    bool streams_literal() const;

    response_limits lim_;
    proto::input_buffer in_{lim_.max_line_bytes};
    std::optional<reader_error> failed_;
    std::optional<std::string> pending_line_;  // read, parsed after line_read is returned
    // The response being built: stack_[0] is its data, deeper entries open lists.
    bool in_response_ = false;
    response cur_;
    std::vector<value> stack_;
    std::uint64_t response_bytes_ = 0;
    // A literal being read: the bytes left, whether it streams, its item.
    bool in_literal_ = false;
    bool literal_streams_ = false;
    bool literal_begun_ = false;
    std::uint64_t literal_size_ = 0;
    std::uint64_t literal_left_ = 0;
    std::string literal_item_;
    std::string literal_buf_;  // a kept literal's bytes so far
};

}  // namespace mailroom::imap::client
