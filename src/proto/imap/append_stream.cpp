// imap::session, APPEND streamed: a message literal of APPEND (or the
// literal8 of UTF8 (...), RFC 6855 §4) goes to the driver in pieces as it
// arrives instead of being held whole by the reader (issue #10 §3), so an
// APPEND of 30 MiB costs the session one piece of append_stream_chunk.
// CATENATE TEXT parts are still read whole (bounded by
// max_append_total_bytes): URL parts between them are resolved only when the
// command is complete. Called from session.cpp (handle_literal, process,
// run) and by the driver's answers; cmd_append.cpp commits the streams.
#include <algorithm>
#include <utility>

#include "common/errors.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {

// Before "+": the driver stages a message in the mailbox named first (as
// decoded from modified UTF-7 or UTF-8 as cmd_append decodes it), so a
// missing mailbox is [TRYCREATE] before the client sends any octet (RFC
// 9051 §6.3.12). A name that does not decode is left to cmd_append's NO.
bool session::start_stream() {
    const auto& lit = reader_.literal();
    if (lit.catenate) return false;
    const auto& args = reader_.arguments_so_far();
    if (args.empty() || !args[0].is_astring() || args[0].binary) return false;  // parse_append says BAD
    auto name = decoded_mailbox(args[0].text);
    if (!name) return false;
    stream_sync_ = lit.synchronizing;
    request(append_open{std::move(*name)});
    wait_for(awaiting::append_open);
    return true;
}

void session::append_opened(std::error_code ec) {
    if (awaiting_ != awaiting::append_open) return;
    awaiting_ = awaiting::nothing;
    if (ec) {
        reader_.refuse_literal();  // {n}: never sent; {n+}: read and discarded (RFC 7888 §4)
        drop_streams();
        if (ec == errc::not_found) no("TRYCREATE", "Mailbox does not exist.");
        else if (ec == errc::invalid_argument) no("CANNOT", "Invalid mailbox name.");
        else no("SERVERBUG", "Unable to save the message; try again later.");
        return process();
    }
    ++streams_;
    if (stream_sync_) request(send_reply{"+ Ready for literal data\r\n"});
    reader_.accept_literal_streamed();
    process();
}

// Moves the octets that arrived into the current piece; a full piece (or
// the literal's last octets) becomes an append_write, and no input is read
// until append_written() (the socket is not read while the store writes).
bool session::pump_stream() {
    while (stream_chunk_.size() < append_stream_chunk) {
        const auto got = reader_.take_literal_octets(append_stream_chunk - stream_chunk_.size());
        if (got.empty()) break;
        if (stream_failed_) continue;  // the store failed: read to the end, then NO
        // RFC 3516 §4.4: a literal8 may hold NUL; cmd_append refuses it (the
        // reader itself fails a plain literal with NUL).
        if (reader_.literal().binary && got.find('\0') != std::string_view::npos) stream_nul_ = true;
        stream_cr_.add(got);
        if (stream_chunk_.empty()) stream_chunk_.reserve(append_stream_chunk);
        stream_chunk_.append(got);
    }
    const bool done = reader_.literal_octets_left() == 0;
    if (done) stream_cr_.end();
    if (stream_chunk_.size() >= append_stream_chunk || (done && !stream_chunk_.empty())) {
        request(append_write{std::exchange(stream_chunk_, {})});
        wait_for(awaiting::append_write);
        return true;
    }
    if (done) return true;  // reader_.next() ends the literal
    if (eof_) bye_silently();
    return false;
}

void session::append_written(std::error_code ec) {
    if (awaiting_ != awaiting::append_write) return;
    awaiting_ = awaiting::nothing;
    if (ec) stream_failed_ = true;
    process();
}

void session::drop_streams() {
    const bool any = streams_ > 0;
    streams_ = 0;
    stream_failed_ = stream_nul_ = false;
    stream_cr_ = {};
    stream_chunk_ = {};
    if (any) request(append_discard{});
}

}  // namespace mailroom::imap
