#include "proto/pop3/client/client_session.hpp"

#include <stdexcept>

#include "proto/common/peer_text.hpp"

namespace mailroom::pop3::client {
namespace {

constexpr std::uint64_t max_capa_bytes = 65536;
// RFC 2449 §4: a command line is at most 255 octets; a longer SASL initial
// response goes after an empty challenge instead (RFC 5034 §4).
constexpr std::size_t max_command_line = 255;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto l = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (l(a[i]) != l(b[i])) return false;
    }
    return true;
}

// RFC 1939 §7: the greeting's timestamp is a msg-id, "<...@...>".
std::string find_timestamp(std::string_view text) {
    const auto open = text.find('<');
    if (open == std::string_view::npos) return {};
    const auto close = text.find('>', open);
    if (close == std::string_view::npos) return {};
    const auto ts = text.substr(open, close - open + 1);
    if (ts.find('@') == std::string_view::npos || ts.find(' ') != std::string_view::npos) return {};
    return std::string(ts);
}

}  // namespace

std::string_view method_name(auth_method m) noexcept {
    switch (m) {
        case auth_method::user: return "USER";
        case auth_method::login: return "LOGIN";
        case auth_method::plain: return "PLAIN";
        case auth_method::apop: return "APOP";
        case auth_method::cram_md5: return "CRAM-MD5";
        case auth_method::scram_sha_1: return "SCRAM-SHA-1";
        case auth_method::scram_sha_256: return "SCRAM-SHA-256";
    }
    return "?";
}

std::optional<auth_method> parse_method(std::string_view name) noexcept {
    for (auto m : {auth_method::user, auth_method::login, auth_method::plain, auth_method::apop, auth_method::cram_md5,
                   auth_method::scram_sha_1, auth_method::scram_sha_256})
        if (iequals(name, method_name(m))) return m;
    return std::nullopt;
}

bool sends_password(auth_method m) noexcept {
    return m == auth_method::user || m == auth_method::plain || m == auth_method::login;
}

client_session::client_session(client_config cfg) : cfg_(std::move(cfg)), reader_(cfg_.limits) {
    tls_active_ = cfg_.tls == tls_mode::implicit;
}

void client_session::add_command(command c) {
    if (c.line.find_first_of("\r\n") != std::string::npos) throw std::invalid_argument("POP3 command with CR or LF");
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
    if (phase_ == phase::quit) return close(quit_reason_, quit_detail_);
    close(close_reason::connection_lost, "the server closed the connection");
}

void client_session::timed_out() {
    if (phase_ != phase::closed) close(close_reason::timeout, "no reply from the server in time");
}

void client_session::tls_started() {
    if (phase_ != phase::tls) return;
    tls_active_ = true;
    waiting_driver_ = false;
    reader_.clear();
    // RFC 2595 §4: forget what CAPA said before TLS and ask again.
    caps_.clear();
    capa_ok_ = false;
    phase_ = phase::capa;
    send("CAPA");
    process();
}

void client_session::tls_failed(std::string why) {
    if (phase_ != phase::closed) close(close_reason::tls_failed, "TLS handshake failed: " + why);
}

void client_session::password(secret pw) {
    if (phase_ != phase::login_pass || !waiting_driver_) return;
    waiting_driver_ = false;
    send("PASS " + std::string(pw.reveal()), "PASS " + std::string(secret::masked));
    process();
}

void client_session::apop_digest(secret hex) {
    if (phase_ != phase::apop || !waiting_driver_) return;
    waiting_driver_ = false;
    send("APOP " + cfg_.user + " " + std::string(hex.reveal()),
         "APOP " + cfg_.user + " " + std::string(secret::masked));
    process();
}

void client_session::sasl_initial(std::optional<secret> ir) {
    if (phase_ != phase::sasl || !waiting_driver_) return;
    waiting_driver_ = false;
    const std::string head = "AUTH " + std::string(method_name(*method_));
    if (ir && head.size() + 1 + std::max<std::size_t>(ir->reveal().size(), 1) + 2 <= max_command_line) {
        // RFC 5034 §4: "=" is an empty initial response.
        send(head + " " + (ir->empty() ? std::string("=") : std::string(ir->reveal())),
             head + " " + std::string(secret::masked));
    } else {
        pending_ir_ = std::move(ir);
        send(head);
    }
    sasl_sent_ = true;
    process();
}

void client_session::sasl_response(secret response) {
    if (phase_ != phase::sasl || !waiting_driver_) return;
    waiting_driver_ = false;
    send(std::string(response.reveal()), std::string(secret::masked));
    process();
}

void client_session::sasl_cancel() {
    if (phase_ != phase::sasl || !waiting_driver_) return;
    waiting_driver_ = false;
    if (!sasl_sent_)
        return send_quit(close_reason::login_failed, "the SASL client cannot do " + std::string(method_name(*method_)));
    send("*");  // RFC 5034 §4: cancel; the server answers -ERR
    process();
}

std::optional<action> client_session::next_action() {
    if (out_.empty()) return std::nullopt;
    action a = std::move(out_.front());
    out_.pop_front();
    return a;
}

void client_session::process() {
    while (phase_ != phase::closed && !waiting_driver_) {
        if (in_body_) {
            if (!read_body()) return;
            continue;
        }
        auto r = reader_.next_status(phase_ == phase::sasl);
        if (std::holds_alternative<std::monostate>(r)) return;
        if (auto* e = std::get_if<reply_error>(&r)) {
            close(close_reason::protocol_error, std::string(describe(*e)));
            return;
        }
        if (auto* c = std::get_if<continuation>(&r)) {
            out_.push_back(server_line{"+ " + std::string(secret::masked)});
            if (pending_ir_) {
                const secret ir = std::move(*pending_ir_);
                pending_ir_.reset();
                send(ir.empty() ? std::string() : std::string(ir.reveal()), std::string(secret::masked));
            } else {
                out_.push_back(sasl_step{std::move(c->data)});
                waiting_driver_ = true;
            }
            continue;
        }
        const auto& s = std::get<status_line>(r);
        out_.push_back(server_line{(s.ok ? "+OK" : "-ERR") + (s.text.empty() ? "" : " " + s.text)});
        on_status(s);
    }
}

namespace {
std::string quoted(const status_line& s) { return (s.ok ? "+OK " : "-ERR ") + s.text; }
}  // namespace

void client_session::on_status(const status_line& s) {
    switch (phase_) {
        case phase::greeting:
            if (!s.ok) return close(close_reason::refused, "the server refused the connection: " + quoted(s));
            timestamp_ = find_timestamp(s.text);
            phase_ = phase::capa;
            return send("CAPA");
        case phase::capa:
            if (!s.ok) return after_capa();  // RFC 2449 §5: an older server; no capabilities known
            capa_ok_ = true;
            capa_buf_.clear();
            in_body_ = true;
            body_limit_ = max_capa_bytes;
            reader_.begin_body();
            return;
        case phase::stls:
            if (!s.ok) return send_quit(close_reason::tls_unavailable, "the server refused STLS: " + quoted(s));
            reader_.clear();  // RFC 2595 §4: nothing read ahead of TLS is trusted
            phase_ = phase::tls;
            waiting_driver_ = true;
            out_.push_back(start_tls{});
            return;
        case phase::login_user:
            if (!s.ok) return send_quit(close_reason::login_failed, "USER refused: " + quoted(s));
            phase_ = phase::login_pass;
            waiting_driver_ = true;
            out_.push_back(need_password{});
            return;
        case phase::login_pass:
        case phase::apop:
        case phase::sasl:
            if (!s.ok)
                return send_quit(close_reason::login_failed,
                                 "login refused (" + std::string(method_name(*method_)) + "): " + quoted(s));
            out_.push_back(logged_in{std::string(method_name(*method_))});
            phase_ = phase::idle;
            return next_command();
        case phase::command:
            if (s.ok && current_->multi_line) {
                in_body_ = true;
                body_limit_ = current_->message ? cfg_.limits.max_body_bytes : cfg_.limits.max_listing_bytes;
                current_text_ = s.text;
                reader_.begin_body();
                return;
            }
            out_.push_back(command_done{current_index_, s.ok, s.text});
            phase_ = phase::idle;
            return next_command();
        case phase::quit: return close(quit_reason_, quit_detail_);
        case phase::idle:
        case phase::tls:
        case phase::closed: return close(close_reason::protocol_error, "the server spoke out of turn: " + quoted(s));
    }
}

bool client_session::read_body() {
    std::string piece;
    const auto st = reader_.next_body(piece, body_limit_);
    if (st == reply_reader::body_state::failed) {
        close(close_reason::protocol_error, std::string(describe(reader_.error())));
        return false;
    }
    if (phase_ == phase::capa) capa_buf_ += piece;
    else if (!piece.empty()) out_.push_back(body_data{std::move(piece)});
    if (st == reply_reader::body_state::more) return false;
    in_body_ = false;
    if (phase_ == phase::capa) {
        std::size_t pos = 0;
        while (pos < capa_buf_.size()) {
            auto end = capa_buf_.find('\n', pos);
            if (end == std::string::npos) end = capa_buf_.size();
            auto line = std::string_view(capa_buf_).substr(pos, end - pos);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            out_.push_back(server_line{proto::peer_text(line)});
            caps_.push_back(proto::peer_text(line));
            pos = end + 1;
        }
        capa_buf_.clear();
        after_capa();
        return true;
    }
    out_.push_back(server_line{"."});
    out_.push_back(command_done{current_index_, true, current_text_});
    phase_ = phase::idle;
    next_command();
    return true;
}

void client_session::after_capa() {
    if (cfg_.tls == tls_mode::starttls && !tls_active_) {
        bool stls = false;
        for (const auto& c : caps_)
            if (iequals(c, "STLS")) stls = true;
        // Without CAPA (RFC 2449 absent) STLS may still work: try it.
        if (capa_ok_ && !stls) return send_quit(close_reason::tls_unavailable, "the server does not offer STLS");
        phase_ = phase::stls;
        return send("STLS");
    }
    begin_login();
}

bool client_session::offered(auth_method m) const {
    if (m == auth_method::apop) return !timestamp_.empty();
    if (m == auth_method::user) {
        if (!capa_ok_) return true;  // RFC 2449 §6.8: USER may go unannounced by old servers
        for (const auto& c : caps_)
            if (iequals(c, "USER")) return true;
        return false;
    }
    for (const auto& c : caps_) {
        if (c.size() < 5 || !iequals(std::string_view(c).substr(0, 5), "SASL ")) continue;
        std::size_t pos = 5;
        while (pos <= c.size()) {
            auto end = c.find(' ', pos);
            if (end == std::string::npos) end = c.size();
            if (iequals(std::string_view(c).substr(pos, end - pos), method_name(m))) return true;
            pos = end + 1;
        }
    }
    return false;
}

void client_session::begin_login() {
    if (cfg_.user.empty()) {
        phase_ = phase::idle;
        return next_command();
    }
    bool held_back = false;
    for (auto m : cfg_.allowed) {
        if (!offered(m)) continue;
        if (sends_password(m) && !tls_active_ && !cfg_.allow_plaintext) {
            held_back = true;
            continue;
        }
        method_ = m;
        break;
    }
    if (!method_) {
        std::string why = "no allowed login method is offered by the server";
        if (held_back) why += " (USER, PLAIN and LOGIN would send the password in clear: use TLS or --allow-plaintext)";
        return send_quit(close_reason::login_failed, why);
    }
    switch (*method_) {
        case auth_method::user: phase_ = phase::login_user; return send("USER " + cfg_.user);
        case auth_method::apop:
            phase_ = phase::apop;
            waiting_driver_ = true;
            out_.push_back(need_apop_digest{timestamp_});
            return;
        default:
            phase_ = phase::sasl;
            waiting_driver_ = true;
            sasl_sent_ = false;
            out_.push_back(sasl_start{std::string(method_name(*method_))});
            return;
    }
}

void client_session::next_command() {
    if (phase_ != phase::idle) return;
    if (!commands_.empty()) {
        current_ = std::move(commands_.front());
        commands_.pop_front();
        current_index_ = next_index_++;
        phase_ = phase::command;
        return send(current_->line);
    }
    if (no_more_) send_quit(close_reason::quit, {});
}

void client_session::send(std::string line, std::string trace) {
    if (trace.empty()) trace = line;
    out_.push_back(send_bytes{line + "\r\n", std::move(trace)});
}

void client_session::send_quit(close_reason why, std::string detail) {
    quit_reason_ = why;
    quit_detail_ = std::move(detail);
    phase_ = phase::quit;
    send("QUIT");
}

void client_session::close(close_reason why, std::string detail) {
    phase_ = phase::closed;
    waiting_driver_ = false;
    out_.push_back(close_connection{why, std::move(detail)});
}

}  // namespace mailroom::pop3::client
