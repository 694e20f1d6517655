#include "proto/imap/client/command.hpp"

#include <stdexcept>

namespace mailroom::imap::client {
namespace {
// Longer strings go as literals: servers bound their command lines (Dovecot
// 64 KiB, RFC 7162 §4 asks for at least 8192 octets).
constexpr std::size_t max_quoted_bytes = 1024;
}  // namespace

bool quotable(std::string_view s) noexcept {
    if (s.size() > max_quoted_bytes) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u == '\r' || u == '\n' || u >= 0x80) return false;
    }
    return true;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

command& command::text(std::string_view raw, bool masked) {
    if (raw.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        throw std::invalid_argument("IMAP command text with CR, LF or NUL");
    if (!masked && !pieces_.empty() && pieces_.back().what == piece::kind::text && !pieces_.back().masked)
        pieces_.back().bytes += raw;
    else pieces_.push_back(piece{piece::kind::text, std::string(raw), 0, masked});
    return *this;
}

command& command::string(std::string_view s, bool masked) {
    if (quotable(s)) pieces_.push_back(piece{piece::kind::text, quote(s), 0, masked});
    else pieces_.push_back(piece{piece::kind::literal, std::string(s), s.size(), masked});
    return *this;
}

command& command::literal(std::uint64_t size) {
    pieces_.push_back(piece{piece::kind::driver_literal, {}, size, false});
    return *this;
}

}  // namespace mailroom::imap::client
