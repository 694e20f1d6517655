// imap::command_reader: frames client commands out of the session's
// input_buffer, incrementally (any split, down to one byte at a time):
// tag, command name and the argument tree, with quoted strings, literals
// {n} / {n+} / {n-} (RFC 9051 §4.3, RFC 7888) and literal8 ~{n} (RFC 3516).
// Bounded by imap::limits everywhere. It stops at every literal header and
// asks the engine, which checks the size for the command *before* sending
// "+" (RFC 9051 §7.5). Knows no command's grammar: command_parser does.
// Used by the IMAP session engine; the engine reads AUTHENTICATE response
// lines and IDLE's DONE from the input_buffer itself, between commands.
//
//   in.append(bytes);
//   for (;;) switch (reader.next()) {
//     case need_more: return;                       // wait for input
//     case literal_wanted:                          // size vs literal().limit
//       if (fits) { if (sync) send("+ Ready"); reader.accept_literal(); }
//       else { send(tag NO [TOOBIG] / BAD); reader.refuse_literal(); } break;
//     case command: run(parse_command(reader.take_command(), lim)); break;
//     case error: send(fatal ? "* BYE" : tag-or-* BAD); if (fatal) close; break;
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/common/input_buffer.hpp"
#include "proto/imap/argument.hpp"
#include "proto/imap/limits.hpp"

namespace mailroom::imap {

// One complete command, arguments lexed but not interpreted.
struct raw_command {
    std::string tag;
    std::string name;  // as sent; compare with proto::keyword_equals
    std::vector<argument> args;
};

// A literal header was read; the reader waits for accept_literal() or
// refuse_literal() and consumes no input until then.
struct literal_request {
    std::uint64_t size = 0;
    bool synchronizing = true;  // {n}: the client waits for "+"; {n+}/{n-} are sent anyway
    bool binary = false;        // literal8 ~{n}
    std::string_view tag;       // of the command it belongs to
    std::string_view command;   // its name (APPEND, LOGIN, ...)
    // The literal is an APPEND message: a top-level argument of APPEND after
    // the mailbox, the text of a CATENATE TEXT part (RFC 4469 §5) or the
    // literal8 of UTF8 (...) (RFC 6855 §4). It is
    // bounded by max_message_bytes, other literals by max_literal_bytes.
    bool message = false;
    bool catenate = false;  // the message literal is a CATENATE TEXT part
    // The limit that applies: max_message_bytes (less for the later
    // messages of a MULTIAPPEND, see max_append_total_bytes; 0 past
    // max_append_messages) or max_literal_bytes (less when the command is
    // near max_command_bytes). size > limit means the engine must refuse it.
    std::uint64_t limit = 0;
};

enum class reader_error {
    syntax,              // not the grammar of tokens (tagged BAD)
    bad_tag,             // missing or invalid tag (untagged BAD)
    line_too_long,       // over max_line_bytes (BYE: the end of the line was not seen)
    command_too_long,    // over max_command_bytes (tagged BAD, rest of the command skipped)
    too_deep,            // lists nested over max_nesting_depth
    too_many_arguments,  // over max_arguments
    literal_refused,     // never produced by the reader: the engine answers the literals it refuses itself
    literal_too_large,   // a non-synchronizing literal larger than max_discard_bytes (BYE)
    bad_literal,         // unparsable or 8-bit/NUL in a place that forbids it
};

struct reader_failure {
    reader_error what = reader_error::syntax;
    std::string tag;   // empty when no valid tag was read: answer untagged "* BAD"
    std::string text;  // human text for the BAD/BYE line, safe to echo
    std::string code;  // response code for the line, e.g. "TOOBIG" (RFC 7888 §4), or empty
    // The stream cannot be resynchronised: answer "* BYE" and close.
    bool fatal = false;
};

class command_reader {
public:
    // in: the session's buffer, whose max_line_bytes should be lim.max_line_bytes.
    command_reader(proto::input_buffer& in, const limits& lim);

    enum class status {
        need_more,       // feed more input, then call next() again
        command,         // command() holds a complete command
        literal_wanted,  // literal() describes it: accept_literal() or refuse_literal()
        error,           // failure() says what; the reader is ready for the next command
    };
    // Reads as far as the buffered input allows. After `command` or `error`
    // the next call starts a new command.
    status next();

    const raw_command& command() const noexcept { return cmd_; }
    raw_command take_command() noexcept;  // moves the command out
    const literal_request& literal() const noexcept { return lit_; }
    const reader_failure& failure() const noexcept { return fail_; }
    // The arguments read so far while a literal is wanted (APPEND: the
    // mailbox, flags and date before the message).
    const std::vector<argument>& arguments_so_far() const noexcept;

    // After literal_wanted. accept: the engine sent "+ ..." for a
    // synchronizing literal (or nothing for a non-synchronizing one) and
    // the octets are read. refuse: the engine answers the command with a
    // tagged NO/BAD itself; for {n} the client sends nothing more of the
    // command (RFC 9051 §7.5), for {n+}/{n-} the octets and the rest of the
    // command are read and discarded (RFC 7888 §4), or, over
    // max_discard_bytes, next() reports a fatal literal_too_large error.
    void accept_literal();
    void refuse_literal();

    // Instead of accept_literal(), for a message literal the engine writes
    // to the store as it arrives (nothing of it is held here). While
    // literal_streaming(), the engine calls take_literal_octets() after
    // each append until it returns empty (the view is valid until the next
    // call on the reader or the buffer); next() returns need_more until
    // every octet was taken. The argument is then a literal with streamed
    // set. A NUL in a streamed literal that is not literal8 makes next()
    // report bad_literal after its last octet: the engine drops what it
    // wrote. A literal that is not a message is accepted as accept_literal().
    void accept_literal_streamed();
    bool literal_streaming() const noexcept { return phase_ == phase::literal_stream; }
    std::string_view take_literal_octets(std::uint64_t max = UINT64_MAX);  // at most max octets
    // Octets of the streamed literal not yet taken (0: next() finishes it).
    std::uint64_t literal_octets_left() const noexcept { return literal_left_; }

    // Forgets any partial command (STARTTLS: the read-ahead is dropped too,
    // by the engine clearing the input_buffer).
    void reset() noexcept;
    // True between commands (nothing of a command read yet).
    bool idle() const noexcept;

private:
    enum class phase { start, in_line, literal_wait, literal_read, literal_stream, discard_literal, skip_line };
    enum class after { open, space, token, close };  // what the lexer saw last
    status lex_line(std::string_view line);
    status lex_arguments(std::string_view line, std::size_t pos);
    status fail(reader_error what, std::string text, bool fatal);
    status skip_rest(std::string_view line, reader_error what, std::string text);
    std::vector<argument>& current() noexcept;
    bool message_literal_here() const noexcept;
    status add_literal_request(std::uint64_t size, bool sync, bool binary);
    status finish_literal();
    void clear_command() noexcept;

    proto::input_buffer& in_;
    const limits& lim_;
    phase phase_ = phase::start;
    after last_ = after::open;
    raw_command cmd_;
    literal_request lit_;
    reader_failure fail_;
    std::vector<std::vector<argument>*> stack_;  // open lists, innermost last
    std::string literal_data_;
    std::uint64_t literal_left_ = 0;
    std::uint64_t command_bytes_ = 0;  // of the command so far, message literals excluded
    std::size_t arguments_ = 0;
    unsigned messages_ = 0;
    std::uint64_t message_bytes_ = 0;  // of the APPEND messages accepted so far
    bool pending_failure_ = false;     // refuse_literal() left a fatal failure for next()
    bool streamed_nul_ = false;        // a NUL went by in a streamed plain literal
};

}  // namespace mailroom::imap
