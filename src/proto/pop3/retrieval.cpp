// RETR and TOP of pop3::server_session (RFC 1939 §5, §7): the message is
// read from the store in ranges (read_message), each turned into its wire
// form by message_encoder and sent before the next range is asked for, so
// a retrieval holds one range whatever the message size.
#include "proto/pop3/server_session.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "proto/pop3/command.hpp"

namespace mailroom::pop3 {

void server_session::retr_or_top(const command& c, bool top) {
    if (c.args.size() != (top ? 2u : 1u))
        return bad(top ? "-ERR Syntax error: TOP takes a message number and a line count."
                       : "-ERR Syntax error: RETR takes a message number.");
    std::optional<std::uint64_t> lines;
    if (top) {
        lines = parse_number(c.args[1]);
        if (!lines) return bad("-ERR Invalid line count.");  // RFC 1939 §7: non-negative number
    }
    auto i = live_message(c.args[0]);
    if (!i) return;
    bad_commands_ = 0;
    // The listing's size (CRLF line ends) is at least the stored one: a
    // first range one octet longer comes back short, so a message that fits
    // is one read into a buffer of its own size. Longer ones (a file that
    // grew, or a big message) go on in full ranges.
    const auto first = std::min<std::uint64_t>(lim_.message_range_bytes, messages_[*i].size + 1);
    retrieval_.emplace(retrieval{*i, 0, static_cast<std::size_t>(first), top, message_encoder(lines)});
    request(read_message{*i, 0, retrieval_->range});
    awaiting_ = awaiting::message;
}

void server_session::message_data(result<std::string_view> bytes) {
    if (awaiting_ != awaiting::message || !retrieval_) return;
    awaiting_ = awaiting::nothing;
    auto& r = *retrieval_;
    const bool first = r.offset == 0;
    if (!bytes) {
        retrieval_.reset();
        if (!first) return close(close_reason::server_error);  // the client has part of it: no -ERR can follow
        reply(bytes.error() == errc::not_found ? "-ERR [SYS/PERM] The message has vanished from the mailbox."
                                               : "-ERR [SYS/TEMP] Unable to read the message. Try again later.");
        return process();
    }
    const auto& m = messages_[r.index];
    std::string out;
    if (first) out = "+OK " + std::to_string(m.size) + " octets\r\n";
    r.encoder.append(out, *bytes);
    r.offset += bytes->size();
    const bool at_end = bytes->size() < r.range;
    if (!at_end && !r.encoder.done()) {
        if (!out.empty()) request(send_reply{std::move(out)});  // a lone CR waits for the next range
        r.range = lim_.message_range_bytes;
        request(read_message{r.index, r.offset, r.range});  // after the send: backpressure
        awaiting_ = awaiting::message;
        return;
    }
    r.encoder.finish(out);
    request(send_reply{std::move(out)});
    if (!at_end) request(close_message{});
    if (!r.top) {
        ++summary_.retrieved;
        summary_.retrieved_bytes += m.size;
    }
    retrieval_.reset();
    process();
}

}  // namespace mailroom::pop3
