#include "proto/smtp/client/mail_commands.hpp"

namespace mailroom::smtp::client {
namespace {

bool non_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return true;
    return false;
}

std::string notify_value(unsigned bits) {
    if (bits & 8) return "NEVER";  // RFC 3461 §4.1: NEVER stands alone
    std::string out;
    for (auto [bit, word] : {std::pair{1u, "SUCCESS"}, {2u, "FAILURE"}, {4u, "DELAY"}})
        if (bits & bit) out += (out.empty() ? "" : ",") + std::string(word);
    return out;
}

// RFC 3461 §4.2: ORCPT=addr-type ";" xtext. Only plain ASCII addresses; a
// UTF-8 one would need RFC 6533's utf-8-addr encoding, and ORCPT is optional.
std::optional<std::string> orcpt_value(std::string_view orcpt) {
    const auto semi = orcpt.find(';');
    if (semi == std::string_view::npos || semi == 0 || non_ascii(orcpt) || unsafe_address(orcpt)) return std::nullopt;
    for (char c : orcpt.substr(0, semi))
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return std::nullopt;
    return std::string(orcpt.substr(0, semi)) + ";" + encode_xtext(orcpt.substr(semi + 1));
}

}  // namespace

std::string encode_xtext(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (c >= '!' && c <= '~' && c != '+' && c != '=') {
            out += static_cast<char>(c);
        } else {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

bool unsafe_address(std::string_view address) {
    for (unsigned char c : address)
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return true;
    return false;
}

bool needs_smtputf8(const outgoing_message& m) {
    if (m.smtputf8 || non_ascii(m.sender)) return true;
    for (const auto& r : m.recipients)
        if (non_ascii(r.address)) return true;
    return false;
}

std::string mail_command(const outgoing_message& m, const ehlo_capabilities& caps) {
    std::string line = "MAIL FROM:<" + m.sender + ">";
    if (caps.size) line += " SIZE=" + std::to_string(m.content_size());
    // RFC 6531 §3.4: SMTPUTF8 implies 8-bit content is allowed, but say BODY too.
    if (m.eight_bit && caps.eight_bit_mime) line += " BODY=8BITMIME";
    if (needs_smtputf8(m) && caps.smtputf8) line += " SMTPUTF8";
    if (caps.dsn) {
        if (m.ret == dsn_ret::full) line += " RET=FULL";
        if (m.ret == dsn_ret::headers) line += " RET=HDRS";
        if (!m.envid.empty()) line += " ENVID=" + encode_xtext(m.envid);
    }
    return line + "\r\n";
}

std::string rcpt_command(const outgoing_recipient& r, const ehlo_capabilities& caps) {
    std::string line = "RCPT TO:<" + r.address + ">";
    if (caps.dsn) {
        if (r.notify) line += " NOTIFY=" + notify_value(r.notify);
        if (auto orcpt = orcpt_value(r.orcpt)) line += " ORCPT=" + *orcpt;
    }
    return line + "\r\n";
}

void dot_stuffer::add(std::string_view piece, std::string& out) {
    out.reserve(out.size() + piece.size() + piece.size() / 64 + 5);
    for (const char c : piece) {
        if (after_cr_ && c == '\n') {  // the LF of a CRLF split or not: already written
            after_cr_ = false;
            continue;
        }
        after_cr_ = c == '\r';
        if (c == '\r' || c == '\n') {
            out += "\r\n";
            line_start_ = true;
            continue;
        }
        if (line_start_ && c == '.') out += '.';
        out += c;
        line_start_ = false;
    }
}

void dot_stuffer::finish(std::string& out) {
    if (!line_start_) out += "\r\n";
    out += ".\r\n";
    line_start_ = true;
    after_cr_ = false;
}

std::string dot_stuff(std::string_view content) {
    std::string out;
    dot_stuffer d;
    d.add(content, out);
    d.finish(out);
    return out;
}

}  // namespace mailroom::smtp::client
