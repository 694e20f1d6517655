// The session's core: input dispatch, the command pump (tags, literals),
// the driver's commands and LOGOUT. Greeting, STARTTLS and login are in
// client_login.cpp.
#include "proto/imap/client/client_session.hpp"

#include <stdexcept>

namespace mailroom::imap::client {
namespace {

// RFC 7888 §4: LITERAL- allows non-synchronizing literals up to 4096 octets.
constexpr std::uint64_t literal_minus_max = 4096;

std::string status_name(status s) {
    switch (s) {
        case status::ok: return "OK";
        case status::no: return "NO";
        case status::bad: return "BAD";
        case status::bye: return "BYE";
        case status::preauth: return "PREAUTH";
        case status::none: break;
    }
    return "?";
}

}  // namespace

// "NO [CODE args] text", as the server said it: for error details.
std::string describe_reply(const response& r) {
    std::string s = status_name(r.state);
    if (!r.code.empty()) s += " [" + r.code + (r.code_args.empty() ? "" : " " + r.code_args) + "]";
    if (!r.text.empty()) s += " " + r.text;
    return s;
}

client_session::client_session(client_config cfg) : cfg_(std::move(cfg)), reader_(cfg_.limits) {
    tls_active_ = cfg_.tls == tls_mode::implicit;
}

void client_session::add_command(command c) {
    commands_.push_back(std::move(c));
    if (phase_ == phase::idle) next_command();
}

void client_session::no_more_commands() {
    no_more_ = true;
    if (phase_ == phase::idle) next_command();
}

void client_session::feed(std::string_view bytes) {
    if (phase_ == phase::closed) return;
    reader_.feed(bytes);
    process();
}

void client_session::feed_eof() {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::logout) return close(quit_reason_, quit_detail_);
    close(close_reason::connection_lost, "the server closed the connection");
}

void client_session::timed_out() {
    if (phase_ != phase::closed) close(close_reason::timeout, "no response from the server in time");
}

void client_session::literal_sent() {
    if (!waiting_driver_ || !current_) return;
    waiting_driver_ = false;
    pump();
    process();
}

std::optional<action> client_session::next_action() {
    if (out_.empty()) return std::nullopt;
    action a = std::move(out_.front());
    out_.pop_front();
    return a;
}

bool client_session::has_capability(std::string_view name) const noexcept {
    for (const auto& c : caps_) {
        if (c.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < c.size() && same; ++i)
            same = std::toupper(static_cast<unsigned char>(c[i])) == std::toupper(static_cast<unsigned char>(name[i]));
        if (same) return true;
    }
    return false;
}

void client_session::process() {
    while (phase_ != phase::closed && !waiting_driver_) {
        auto ev = reader_.next();
        if (std::holds_alternative<std::monostate>(ev)) return;
        if (auto* e = std::get_if<reader_error>(&ev))
            return close(close_reason::protocol_error, std::string(describe(*e)));
        if (auto* l = std::get_if<line_read>(&ev)) {
            on_line(l->text);
        } else if (auto* r = std::get_if<response>(&ev)) {
            on_response(*r);
        } else if (auto* c = std::get_if<continuation_request>(&ev)) {
            on_continuation(*c);
        } else if (phase_ == phase::command) {  // a streamed FETCH literal
            if (auto* b = std::get_if<literal_begin>(&ev)) out_.push_back(body_begin{b->size, std::move(b->item)});
            else if (auto* d = std::get_if<literal_data>(&ev)) out_.push_back(body_data{std::move(d->bytes)});
            else out_.push_back(body_end{});
        }
    }
}

void client_session::on_line(const std::string& text) {
    // SASL challenges are masked as the responses are.
    if (phase_ == phase::sasl && !text.empty() && text[0] == '+')
        out_.push_back(server_line{"+ " + std::string(secret::masked)});
    else out_.push_back(server_line{text});
}

void client_session::on_response(response& r) {
    if (!r.tagged) return on_untagged(r);
    if (!current_ || r.tag != current_->tag)
        return close(close_reason::protocol_error, "a tagged response for no command sent: " + r.tag);
    on_tagged(r);
}

void client_session::on_untagged(response& r) {
    if (phase_ == phase::greeting) {
        if (r.state == status::ok || r.state == status::preauth) {
            if (r.code == "CAPABILITY") set_capabilities(r.code_args);
            if (r.state == status::preauth) return after_login(r);
            return after_capability();
        }
        if (r.state == status::bye)
            return close(close_reason::refused, "the server refused the connection: " + describe_reply(r));
        return close(close_reason::protocol_error, "the greeting is not OK, PREAUTH or BYE: " + describe_reply(r));
    }
    if (r.state == status::bye) {
        if (phase_ == phase::logout) return;  // RFC 9051 §6.1.3: BYE, then the tagged OK
        return close(close_reason::connection_lost, "the server ended the session: " + describe_reply(r));
    }
    if (r.code == "CAPABILITY") set_capabilities(r.code_args);
    if (!r.data.empty() && r.data[0].is_atom("CAPABILITY")) {
        std::string words;
        for (std::size_t i = 1; i < r.data.size(); ++i) words += r.data[i].text + " ";
        set_capabilities(words);
    }
    if (phase_ == phase::command) out_.push_back(untagged{std::move(r)});
}

void client_session::on_continuation(const continuation_request& c) {
    if (phase_ == phase::sasl && sasl_sent_) {
        if (pending_ir_) {  // RFC 4959 absent: the initial response answers an empty challenge
            const secret ir = std::move(*pending_ir_);
            pending_ir_.reset();
            send(std::string(ir.reveal()) + "\r\n", std::string(secret::masked));
        } else {
            out_.push_back(sasl_step{c.text});
            waiting_driver_ = true;
        }
        return;
    }
    if (current_ && current_->awaiting_continuation) {
        current_->awaiting_continuation = false;
        return pump();
    }
    close(close_reason::protocol_error, "a continuation request nobody asked for");
}

void client_session::on_tagged(const response& r) {
    const bool ok = r.state == status::ok;
    const phase was = phase_;
    const std::size_t index = current_->index;
    current_.reset();
    switch (was) {
        case phase::capability:
            if (!ok) return logout(close_reason::protocol_error, "CAPABILITY refused: " + describe_reply(r));
            caps_known_ = true;  // even if no * CAPABILITY came
            return after_capability();
        case phase::starttls:
            if (!ok) return logout(close_reason::no_tls, "the server refused STARTTLS: " + describe_reply(r));
            reader_.clear();  // RFC 9051 §6.2.1: nothing read ahead of TLS is trusted
            phase_ = phase::tls;
            waiting_driver_ = true;
            out_.push_back(start_tls{});
            return;
        case phase::login:
        case phase::sasl:
            pending_ir_.reset();
            if (!ok)
                return logout(close_reason::login_failed,
                              "login refused (" + std::string(method_name(*method_)) + "): " + describe_reply(r));
            return after_login(r);
        case phase::relearn: phase_ = phase::idle; return next_command();
        case phase::command:
            out_.push_back(command_done{index, r.state, r.code, r.code_args, r.text});
            phase_ = phase::idle;
            return next_command();
        case phase::logout: return close(quit_reason_, quit_detail_);
        default: return close(close_reason::protocol_error, "a tagged response out of turn: " + describe_reply(r));
    }
}

void client_session::next_command() {
    if (phase_ != phase::idle) return;
    if (!commands_.empty()) {
        command c = std::move(commands_.front());
        commands_.pop_front();
        return start(std::move(c), phase::command, next_index_++);
    }
    if (no_more_) logout(close_reason::quit, {});
}

void client_session::start(command c, phase p, std::size_t index) {
    phase_ = p;
    current_ = running{std::move(c), 0, index, "A" + std::to_string(next_tag_++)};
    pump();
}

// Sends the current command up to its next synchronizing literal or driver
// literal; the rest goes after "+" (RFC 9051 §4.3) or literal_sent().
void client_session::pump() {
    auto& cur = *current_;
    const auto& pieces = cur.cmd.pieces();
    std::string line = cur.started ? std::string() : cur.tag + " ";
    cur.started = true;
    std::string trace = line;
    while (cur.next_piece < pieces.size()) {
        const auto& p = pieces[cur.next_piece];
        if (p.what == command::piece::kind::text) {
            line += p.bytes;
            trace += p.masked ? std::string(secret::masked) : p.bytes;
            ++cur.next_piece;
            continue;
        }
        if (!cur.marker_sent) {
            const bool plus = has_capability("LITERAL+") || (has_capability("LITERAL-") && p.size <= literal_minus_max);
            const std::string marker = "{" + std::to_string(p.size) + (plus ? "+" : "") + "}";
            send(line + marker + "\r\n", trace + marker);
            line.clear();
            trace.clear();
            cur.marker_sent = true;
            if (!plus) {
                cur.awaiting_continuation = true;
                return;  // on_continuation() calls pump() again for the literal's bytes
            }
        }
        cur.marker_sent = false;
        ++cur.next_piece;
        if (p.what == command::piece::kind::driver_literal) {
            out_.push_back(send_literal{p.size});
            waiting_driver_ = true;
            return;
        }
        send(p.bytes, p.masked ? std::string(secret::masked) : "<" + std::to_string(p.size) + " bytes>");
    }
    send(line + "\r\n", trace);
}

void client_session::send(std::string bytes, std::string trace) {
    out_.push_back(send_bytes{std::move(bytes), std::move(trace)});
}

void client_session::logout(close_reason why, std::string detail) {
    quit_reason_ = why;
    quit_detail_ = std::move(detail);
    start(command("LOGOUT"), phase::logout);
}

void client_session::close(close_reason why, std::string detail) {
    phase_ = phase::closed;
    waiting_driver_ = false;
    current_.reset();
    out_.push_back(close_connection{why, std::move(detail)});
}

}  // namespace mailroom::imap::client
