// RFC 5322 address-list parser for the IMAP envelope (see address_list.hpp).
#include "mail/mime/detail/address_list.hpp"

#include <string>

namespace mailroom::mime::detail {

namespace {

constexpr std::string_view missing_mailbox = "MISSING_MAILBOX";
constexpr std::string_view missing_domain = "MISSING_DOMAIN";

// RFC 5322 §3.2.3 atext, plus '.' (obs-phrase, obs-local-part).
bool is_atext(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return true;  // RFC 6532 UTF-8, and 8-bit junk kept as written
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

struct word {
    std::string raw;    // as written (quoted strings keep their quotes)
    std::string plain;  // quoted strings unquoted, quoted-pairs resolved
};

class cursor {
public:
    explicit cursor(std::string_view s) : s_(s) {}

    bool at_end() const noexcept { return i_ >= s_.size(); }
    char peek() const noexcept { return at_end() ? '\0' : s_[i_]; }
    void advance() noexcept { ++i_; }

    // Skips blanks and comments (RFC 5322 §3.2.2 CFWS); remembers the last
    // comment's text, which names an address that has no display name.
    void skip_cfws() {
        for (;;) {
            while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
            if (peek() != '(') return;
            std::string text;
            int depth = 0;
            while (!at_end()) {
                const char c = s_[i_++];
                if (c == '\\' && !at_end()) {
                    text.push_back(s_[i_++]);
                    continue;
                }
                if (c == '(' && depth++ == 0) continue;
                if (c == ')' && --depth == 0) break;
                text.push_back(c);
            }
            last_comment = text;
        }
    }

    // One atom or quoted string; nullopt if the next byte starts neither.
    std::optional<word> read_word() {
        skip_cfws();
        word w;
        if (peek() == '"') {
            w.raw.push_back('"');
            advance();
            while (!at_end() && peek() != '"') {
                char c = peek();
                advance();
                w.raw.push_back(c);
                if (c == '\\' && !at_end()) {
                    c = peek();
                    advance();
                    w.raw.push_back(c);
                }
                if (c != '\r' && c != '\n') w.plain.push_back(c);
            }
            if (!at_end()) advance();
            w.raw.push_back('"');
            return w;
        }
        while (!at_end() && is_atext(peek())) {
            w.raw.push_back(peek());
            advance();
        }
        if (w.raw.empty()) return std::nullopt;
        w.plain = w.raw;
        return w;
    }

    // A domain: dot-atoms or a domain literal [...], as written.
    std::string read_domain() {
        skip_cfws();
        std::string out;
        if (peek() == '[') {
            while (!at_end() && peek() != ']') {
                out.push_back(peek());
                advance();
            }
            if (!at_end()) {
                out.push_back(']');
                advance();
            }
            return out;
        }
        while (auto w = read_word()) {
            out += w->raw;
            skip_cfws();
            if (peek() != '.') break;
        }
        return out;
    }

    // Skips to the next ',' (or ';' ending a group, or the end), for junk.
    void skip_to_separator(bool in_group) {
        while (!at_end() && peek() != ',' && !(in_group && peek() == ';')) {
            if (peek() == '"') {
                read_word();
                continue;
            }
            if (peek() == '(') {
                skip_cfws();
                continue;
            }
            advance();
        }
    }

    std::optional<std::string> last_comment;

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

std::string join_plain(const std::vector<word>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out.push_back(' ');
        out += w.plain;
    }
    return out;
}

std::string join_raw(const std::vector<word>& words) {
    std::string out;
    for (const auto& w : words) out += w.raw;
    return out;
}

// angle-addr after the '<': [obs-route] addr-spec '>' (RFC 5322 §4.4).
void read_angle_addr(cursor& c, address& a) {
    c.skip_cfws();
    if (c.peek() == '@') {
        std::string route;
        while (c.peek() == '@' || c.peek() == ',') {
            route.push_back(c.peek());
            c.advance();
            if (route.back() == '@') route += c.read_domain();
            c.skip_cfws();
        }
        if (c.peek() == ':') c.advance();
        if (!route.empty() && route.back() == ',') route.pop_back();
        a.adl = route;
    }
    std::vector<word> local;
    c.skip_cfws();
    while (auto w = c.read_word()) local.push_back(std::move(*w));
    a.mailbox = local.empty() ? std::string(missing_mailbox) : join_raw(local);
    c.skip_cfws();
    if (c.peek() == '@') {
        c.advance();
        const auto d = c.read_domain();
        a.host = d.empty() ? std::string(missing_domain) : d;
    } else {
        a.host = std::string(missing_domain);
    }
    while (!c.at_end() && c.peek() != '>') c.advance();
    if (!c.at_end()) c.advance();
}

// One mailbox (or, outside a group, a group with its members) into `out`.
void read_address(cursor& c, std::vector<address>& out, bool in_group) {
    c.last_comment.reset();
    std::vector<word> phrase;
    while (auto w = c.read_word()) phrase.push_back(std::move(*w));
    c.skip_cfws();
    const char next = c.peek();
    if (next == ':' && !in_group) {
        c.advance();
        out.push_back(address{std::nullopt, std::nullopt, join_plain(phrase), std::nullopt});  // RFC 9051 group start
        for (;;) {
            c.skip_cfws();
            if (c.at_end()) break;
            if (c.peek() == ';') {
                c.advance();
                break;
            }
            if (c.peek() == ',') {
                c.advance();
                continue;
            }
            read_address(c, out, true);
        }
        out.push_back(address{});  // group end
        return;
    }
    address a;
    if (next == '<') {
        c.advance();
        if (!phrase.empty()) a.name = join_plain(phrase);
        read_angle_addr(c, a);
    } else if (!phrase.empty()) {
        a.mailbox = join_raw(phrase);
        if (next == '@') {
            c.advance();
            const auto d = c.read_domain();
            a.host = d.empty() ? std::string(missing_domain) : d;
        } else {
            a.host = std::string(missing_domain);
        }
    } else {
        c.skip_to_separator(in_group);
        return;  // nothing that looks like an address
    }
    c.skip_cfws();
    if (!a.name && c.last_comment && !c.last_comment->empty()) a.name = c.last_comment;
    out.push_back(std::move(a));
    c.skip_to_separator(in_group);
}

}  // namespace

std::vector<address> parse_address_list(std::string_view value) {
    std::vector<address> out;
    cursor c(value);
    for (;;) {
        c.skip_cfws();
        if (c.at_end()) break;
        if (c.peek() == ',' || c.peek() == ';') {
            c.advance();
            continue;
        }
        read_address(c, out, false);
    }
    return out;
}

}  // namespace mailroom::mime::detail
