#include "proto/pop3/proxy_front.hpp"

#include <algorithm>
#include <utility>

#include "proto/pop3/command.hpp"

namespace mailroom::pop3 {
namespace {

constexpr std::size_t max_argument = 255;  // RFC 2449 §4
constexpr std::size_t max_capability_lines = 64;

std::string upper_keyword(std::string_view line) {
    std::string k(line.substr(0, line.find(' ')));
    for (auto& c : k)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return k;
}

// Control characters in the upstream's text cannot reach the program.
std::string clean(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 300)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return out;
}

}  // namespace

const char* front_reason_name(front_close_reason r) noexcept {
    switch (r) {
        case front_close_reason::quit: return "quit";
        case front_close_reason::eof: return "eof";
        case front_close_reason::timeout: return "timeout";
        case front_close_reason::too_many_errors: return "too_many_errors";
        case front_close_reason::login_failures: return "auth_failures";
        case front_close_reason::shutdown: return "shutdown";
    }
    return "?";
}

std::vector<std::string> honoured_capabilities(const std::vector<std::string>& upstream) {
    static constexpr std::string_view kept[] = {"TOP", "UIDL", "PIPELINING", "RESP-CODES", "EXPIRE", "LOGIN-DELAY"};
    std::vector<std::string> out{"USER"};
    for (const auto& line : upstream) {
        if (out.size() >= max_capability_lines) break;
        const auto k = upper_keyword(line);
        if (std::find(std::begin(kept), std::end(kept), k) == std::end(kept)) continue;
        if (std::any_of(out.begin(), out.end(), [&](const std::string& o) { return upper_keyword(o) == k; })) continue;
        out.push_back(clean(line));
    }
    return out;
}

proxy_front::proxy_front(front_limits lim) : lim_(lim), in_(lim.max_line_bytes) {
    // No timestamp: APOP is not on offer to the program (RFC 1939 §7).
    reply("+OK mailroom proxy ready");
}

void proxy_front::request(front_action a) { out_.push(std::move(a)); }

void proxy_front::reply(std::string_view line) { request(front_send{std::string(line) + "\r\n"}); }

void proxy_front::close(front_close_reason why) {
    state_ = front_state::closed;
    request(front_close{why});
}

void proxy_front::bad(std::string_view line) {
    reply(line);
    if (++bad_commands_ >= lim_.max_bad_commands) {
        reply("-ERR Too many bad commands");
        close(front_close_reason::too_many_errors);
    }
}

void proxy_front::feed(std::string_view bytes) {
    if (state_ == front_state::closed || state_ == front_state::relaying) return;
    in_.append(bytes);
    process();
}

void proxy_front::feed_eof() {
    eof_ = true;
    if (state_ == front_state::authorization) close(front_close_reason::eof);
}

void proxy_front::timed_out() {
    if (state_ != front_state::authorization) return;
    reply("-ERR Autologout; idle for too long");  // RFC 1939 §3
    close(front_close_reason::timeout);
}

void proxy_front::shutting_down() {
    if (state_ != front_state::authorization) return;
    reply("-ERR [SYS/TEMP] Proxy shutting down");
    close(front_close_reason::shutdown);
}

void proxy_front::process() {
    while (state_ == front_state::authorization) {
        const auto next = in_.next_line();
        if (next.what == proto::input_buffer::status::need_more) break;
        if (next.what == proto::input_buffer::status::too_long) {
            bad("-ERR Line too long");
            continue;
        }
        handle(next.line);
    }
    if (eof_ && state_ == front_state::authorization) close(front_close_reason::eof);
}

void proxy_front::handle(std::string_view line) {
    const auto parsed = parse_command(line, max_argument);
    if (!parsed.cmd) return bad("-ERR Bad command");
    const auto& c = *parsed.cmd;
    switch (c.what) {
        case verb::user:
            if (c.args.size() != 1) return bad("-ERR Usage: USER name");
            user_ = std::string(c.args[0]);
            bad_commands_ = 0;
            return reply("+OK");
        case verb::pass:
            if (user_.empty()) return bad("-ERR USER first");
            if (c.rest.empty()) return bad("-ERR Usage: PASS password");
            state_ = front_state::awaiting;
            request(front_login{user_, secret(c.rest)});
            return;
        case verb::capa:
            state_ = front_state::awaiting;
            request(front_need_capabilities{});
            return;
        case verb::quit: reply("+OK Bye"); return close(front_close_reason::quit);
        case verb::apop:
        case verb::auth:
        case verb::stls:
        case verb::utf8: return bad("-ERR Not through this proxy: log in with USER and PASS");
        case verb::unknown: return bad("-ERR Unknown command");
        default: return bad("-ERR Log in first (USER, PASS)");
    }
}

void proxy_front::capa_ready(const std::vector<std::string>& upstream_capabilities) {
    if (state_ != front_state::awaiting) return;
    state_ = front_state::authorization;
    std::string text = "+OK Capability list follows\r\n";
    for (const auto& l : honoured_capabilities(upstream_capabilities)) text += l + "\r\n";
    request(front_send{text + ".\r\n"});
    process();
}

void proxy_front::login_done(bool ok, bool temporary, std::string_view text) {
    if (state_ != front_state::awaiting) return;
    if (ok) {
        reply("+OK Logged in" + (text.empty() ? std::string() : " (upstream: " + clean(text) + ")"));
        state_ = front_state::relaying;
        std::string pending(in_.raw());
        in_.clear();
        request(front_relay{std::move(pending)});
        return;
    }
    state_ = front_state::authorization;
    user_.clear();
    reply(std::string(temporary ? "-ERR [SYS/TEMP] " : "-ERR [AUTH] ") + "upstream: " + clean(text));
    if (++login_failures_ >= lim_.max_login_failures) return close(front_close_reason::login_failures);
    process();
}

std::optional<front_action> proxy_front::next_action() { return out_.pop(); }

}  // namespace mailroom::pop3
