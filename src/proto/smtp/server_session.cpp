#include "proto/smtp/server_session.hpp"

#include <algorithm>
#include <utility>

#include "common/errors.hpp"
#include "proto/common/auth_policy.hpp"
#include "proto/common/peer_text.hpp"

namespace mailroom::smtp {
namespace {

// Replies queued before input processing pauses: a client that pipelines
// without reading cannot grow our memory (same rule as POP3).
constexpr std::size_t max_reply_backlog = 64 * 1024;

}  // namespace

server_session::server_session(listener_policy policy, const limits& lim)
    : policy_(std::move(policy)), lim_(lim), in_(lim.max_command_line),
      throttle_({lim.max_auth_failures, lim.auth_failure_delay, lim.max_auth_failure_delay}) {
    reply(220, "", policy_.hostname + " ESMTP mailroom");
}

// ---- input ---------------------------------------------------------------------

void server_session::feed(std::string_view bytes) {
    if (state_ == state::closed) return;
    // Cleartext after STARTTLS and before the handshake is never executed
    // inside TLS (RFC 3207 §4.2; the 2011 STARTTLS injection bugs).
    if (awaiting_ == awaiting::tls) return;
    in_.append(bytes);
    process();
}

void server_session::feed_eof() {
    if (state_ == state::closed) return;
    eof_ = true;
    process();
}

void server_session::timed_out() {
    if (state_ == state::closed) return;
    reply(421, "4.4.2", policy_.hostname + " Error: timeout exceeded");
    close(close_reason::timeout);
}

void server_session::shutting_down() {
    if (state_ == state::closed) return;
    stopping_ = true;
    process();
}

void server_session::process() {
    bool starved = false;  // stopped because the input ran out (not for an answer or the backlog)
    while (state_ != state::closed && awaiting_ == awaiting::nothing && out_.reply_bytes() < max_reply_backlog) {
        if (state_ == state::data || state_ == state::bdat) {
            const auto before = state_;
            before == state::data ? feed_data() : feed_chunk();
            if (state_ == before) {
                starved = true;
                break;
            }
            continue;
        }
        if (stopping_) {
            if (sasl_.expecting_response() && sasl_.on_too_long()) request(sasl_abort{});
            reply(421, "4.3.2", policy_.hostname + " Service shutting down, try again later");
            close(close_reason::shutdown);
            break;
        }
        const auto max = sasl_.expecting_response() ? lim_.max_auth_line : lim_.max_command_line;
        auto next = in_.next_line(max);
        if (next.what == proto::input_buffer::status::need_more) {
            starved = true;
            break;
        }
        if (next.what == proto::input_buffer::status::too_long) {
            if (sasl_.expecting_response()) {
                if (sasl_.on_too_long()) request(sasl_abort{});
                bad(500, "5.5.6", "Authentication exchange line is too long");  // RFC 4954 §4
            } else {
                bad(500, "5.5.2", "Error: line too long");
            }
            continue;
        }
        handle_line(next.line);
    }
    // A dropped connection ends the session once every complete command
    // has been answered; an unfinished message was never acknowledged.
    if (eof_ && starved && state_ != state::closed) close(close_reason::eof);
}

void server_session::handle_line(std::string_view line) {
    if (sasl_.expecting_response()) return handle_auth_response(line);
    for (unsigned char c : line)
        if (c == 0 || c == '\r') return bad(500, "5.5.2", "Error: invalid characters in command");
    auto cmd = parse_command(line);
    if (!cmd) {
        return bad(501, "5.5.4",
                   line.size() >= 4 && (line[0] == 'M' || line[0] == 'm') ? "Syntax: MAIL FROM:<address>"
                                                                          : "Syntax: RCPT TO:<address>");
    }
    dispatch(*cmd);
}

// ---- DATA and BDAT ---------------------------------------------------------------

void server_session::send_body(std::string piece) {
    body_sent_ = true;
    request(message_data{std::move(piece)});
}

// The text leaves in pieces as it is decoded: the decoder is fed at most
// what fits in the current piece (less the CR it may hold back), so no
// piece exceeds max_body_piece.
void server_session::feed_data() {
    using problem = data_decoder::problem;
    while (in_.buffered() > 0 && !data_->done()) {
        const auto room = max_body_piece - 1 - data_->output_bytes();
        in_.consume(data_->feed(in_.raw().substr(0, room)));
        if (data_->verdict() != problem::none) data_->take_output();  // refused at the end: keep nothing
        else if (data_->output_bytes() >= max_body_piece - 1) send_body(data_->take_output());
    }
    if (!data_->done()) return;
    const auto verdict = data_->verdict();
    if (verdict == problem::none && data_->output_bytes() > 0) send_body(data_->take_output());
    const auto size = data_->received_bytes();
    data_.reset();
    finish_message(verdict, size);
}

void server_session::feed_chunk() {
    auto got = in_.take(chunk_left_);  // raw mode: the chunk's octets, whatever they are
    chunk_left_ -= got.size();
    if (!discard_chunk_ && !chunk_too_big_) {
        if (body_size_ + got.size() > lim_.max_message_bytes) {
            chunk_too_big_ = true;  // RFC 3030 §2: the chunk is still read to its end
            body_.clear();
            body_.shrink_to_fit();
        } else {
            body_size_ += got.size();
            while (!got.empty()) {
                const auto n = std::min(got.size(), max_body_piece - body_.size());
                body_.append(got.substr(0, n));
                got.remove_prefix(n);
                if (body_.size() == max_body_piece) send_body(std::exchange(body_, std::string()));
            }
        }
    }
    if (chunk_left_ > 0) return;  // state stays bdat
    if (discard_chunk_) {         // refused BDAT: its reply is already out
        discard_chunk_ = false;
        state_ = chunk_state_before_;
        return;
    }
    state_ = state::rcpt;
    if (chunk_too_big_) {
        // RFC 3030 §2: after a failed chunk the transaction is gone.
        ++summary_.rejected;
        reset_transaction();
        return reply(552, "5.3.4", "Message size exceeds fixed limit");
    }
    if (!chunk_last_) return ok(250, "2.0.0", std::to_string(body_size_) + " octets received so far");
    if (!body_.empty()) send_body(std::exchange(body_, std::string()));
    finish_message(data_decoder::problem::none, body_size_);
}

void server_session::finish_message(data_decoder::problem problem, std::uint64_t size) {
    state_ = state::rcpt;
    switch (problem) {
        case data_decoder::problem::none: break;
        case data_decoder::problem::too_big:
            ++summary_.rejected;
            reset_transaction();
            return reply(552, "5.3.4", "Message size exceeds fixed limit");
        case data_decoder::problem::bare_line_end:
            ++summary_.rejected;
            reset_transaction();
            return reply(550, "5.6.0", "Message refused: bare CR or LF in message text (RFC 5321 section 2.3.8)");
        case data_decoder::problem::line_too_long:
            ++summary_.rejected;
            reset_transaction();
            return reply(550, "5.6.0",
                         "Message refused: text line longer than 1000 octets (RFC 5321 section 4.5.3.1.6)");
    }
    tx_.helo = helo_;
    tx_.auth_user = auth_user_;
    tx_.tls = policy_.tls_active;
    tx_.esmtp = esmtp_;
    request(queue_message{std::move(tx_), size});
    body_sent_ = false;  // the driver owns the text now
    tx_ = {};
    awaiting_ = awaiting::queue;
}

void server_session::message_queued(result<std::string> queue_id) {
    if (awaiting_ != awaiting::queue) return;
    awaiting_ = awaiting::nothing;
    reset_transaction();
    if (queue_id) {
        ++summary_.messages;
        ok(250, "2.0.0", "Ok: queued as " + *queue_id);
    } else if (queue_id.error() == errc::over_quota) {
        // Every recipient's mailbox is full or too small for it (RFC 3463).
        reply(552, "5.2.2", "Error: mailbox full, the message does not fit the quota");
    } else if (is_temporary(queue_id.error())) {
        reply(451, "4.3.0", "Error: queue file write error, try again later");
    } else {
        reply(554, "5.3.0", "Error: message could not be queued");
    }
    process();
}

void server_session::message_refused(verdict v) {
    if (awaiting_ != awaiting::queue) return;
    awaiting_ = awaiting::nothing;
    reset_transaction();
    ++summary_.rejected;
    if (v.code < 400 || v.code > 599) reply(451, "4.3.0", "Error: message not accepted, try again later");
    else reply(v.code, v.enhanced, proto::peer_text(v.text));
    process();
}

// ---- answers -----------------------------------------------------------------------

void server_session::tls_started() {
    if (awaiting_ != awaiting::tls) return;
    awaiting_ = awaiting::nothing;
    policy_.tls_active = true;
    in_.clear();
    // RFC 3207 §4.2: forget everything learnt before TLS, a login made in
    // cleartext included (the client must AUTH again); it starts with EHLO.
    state_ = state::greeting;
    esmtp_ = false;
    helo_.clear();
    auth_user_.clear();
    mechanism_.clear();
    reset_transaction();
    process();
}

void server_session::sender_checked(verdict v) {
    if (awaiting_ != awaiting::sender) return;
    awaiting_ = awaiting::nothing;
    if (v.accepted()) {
        state_ = state::mail;
        ok(250, "2.1.0", "Ok");
    } else {
        reset_transaction();
        bad(v.code, v.enhanced, v.text);
    }
    process();
}

void server_session::recipient_checked(verdict v) {
    if (awaiting_ != awaiting::recipient) return;
    awaiting_ = awaiting::nothing;
    if (v.accepted() && pending_rcpt_) {
        tx_.recipients.push_back(std::move(*pending_rcpt_));
        state_ = state::rcpt;
        ok(250, "2.1.5", "Ok");
    } else {
        bad(v.code, v.enhanced, v.text);
    }
    pending_rcpt_.reset();
    process();
}

void server_session::sasl_challenge(std::string challenge_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    request(send_reply{"334 " + challenge_b64 + "\r\n"});
    sasl_.challenge_sent();
    process();
}

void server_session::sasl_done(auth_status status, std::string user, std::optional<std::string> final_b64) {
    if (awaiting_ != awaiting::sasl) return;
    awaiting_ = awaiting::nothing;
    switch (status) {
        case auth_status::ok:
            if (final_b64) {  // RFC 4954 §4: additional data with success goes in a 334
                request(send_reply{"334 " + *final_b64 + "\r\n"});
                sasl_.final_data_sent(std::move(user));
            } else {
                auth_user_ = std::move(user);
                summary_.auth_user = auth_user_;
                summary_.mechanism = mechanism_;
                ok(235, "2.7.0", "Authentication successful");
            }
            break;
        case auth_status::bad_credentials: auth_failed(); break;
        case auth_status::temporary_failure: reply(454, "4.7.0", "Temporary authentication failure"); break;
    }
    process();
}

void server_session::auth_failed() {
    const auto v = throttle_.failed();
    summary_.auth_failures = throttle_.failures();
    if (v.pause.count() > 0) request(pause{v.pause});
    reply(535, "5.7.8", "Error: authentication failed");
    if (v.close) {
        reply(421, "4.7.0", policy_.hostname + " Error: too many authentication failures");
        close(close_reason::auth_failures);
    }
}

void server_session::handle_auth_response(std::string_view line) {
    auto step = sasl_.on_line(line);
    using o = proto::sasl_dialogue::outcome;
    switch (step.what) {
        case o::aborted:  // RFC 4954 §4: the client cancels
            if (step.abort_exchange) request(sasl_abort{});
            return bad(501, "5.7.0", "Authentication aborted");
        case o::failure: return auth_failed();  // no empty line after the final 334
        case o::success:
            auth_user_ = std::move(step.text);
            summary_.auth_user = auth_user_;
            summary_.mechanism = mechanism_;
            return ok(235, "2.7.0", "Authentication successful");
        case o::respond: break;
    }
    request(sasl_continue{std::move(step.text)});
    awaiting_ = awaiting::sasl;
}

// ---- output ------------------------------------------------------------------------

void server_session::reply(int code, std::string_view enhanced, std::string_view text) {
    // RFC 2034: every reply but the greeting carries an enhanced code.
    std::string line = std::to_string(code) + " ";
    if (!enhanced.empty()) line += std::string(enhanced) + " ";
    line += text;
    line += "\r\n";
    request(send_reply{std::move(line)});
}

void server_session::ok(int code, std::string_view enhanced, std::string_view text) {
    bad_commands_ = 0;
    reply(code, enhanced, text);
}

void server_session::bad(int code, std::string_view enhanced, std::string_view text) {
    if (++bad_commands_ >= lim_.max_bad_commands) {
        reply(421, "4.7.0", policy_.hostname + " Error: too many errors");
        return close(close_reason::too_many_errors);
    }
    reply(code, enhanced, text);
}

void server_session::request(action a) { out_.push(std::move(a)); }

void server_session::close(close_reason why) {
    request(close_connection{why});
    state_ = state::closed;
    awaiting_ = awaiting::nothing;
}

void server_session::reset_transaction() {
    tx_ = {};
    pending_rcpt_.reset();
    data_.reset();
    if (body_sent_) request(discard_message{});  // the driver drops what it stored
    body_sent_ = false;
    body_.clear();
    body_size_ = 0;
    chunk_left_ = 0;
    chunk_last_ = false;
    chunk_too_big_ = false;
    used_bdat_ = false;
    if (state_ == state::mail || state_ == state::rcpt || state_ == state::data || state_ == state::bdat)
        state_ = state::ready;
}

std::optional<action> server_session::next_action() {
    if (out_.empty()) process();  // input held back by the backlog limit
    return out_.pop();
}

std::vector<std::string> server_session::offered_mechanisms() const {
    if (!policy_.auth_offered) return {};
    return proto::offered_mechanisms(policy_.sasl_mechanisms, plaintext_allowed());
}

}  // namespace mailroom::smtp
