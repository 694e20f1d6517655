#include "proto/smtp/command.hpp"

#include <array>
#include <charconv>
#include <utility>

#include "common/ascii.hpp"
#include "proto/common/keyword.hpp"

namespace mailroom::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, verb>, 14> verbs{{
    {"HELO", verb::helo},
    {"EHLO", verb::ehlo},
    {"MAIL", verb::mail},
    {"RCPT", verb::rcpt},
    {"DATA", verb::data},
    {"BDAT", verb::bdat},
    {"RSET", verb::rset},
    {"NOOP", verb::noop},
    {"QUIT", verb::quit},
    {"VRFY", verb::vrfy},
    {"EXPN", verb::expn},
    {"HELP", verb::help},
    {"STARTTLS", verb::starttls},
    {"AUTH", verb::auth},
}};

using proto::keyword_equals;
constexpr bool iequals(std::string_view a, std::string_view b) noexcept { return keyword_equals(a, b); }
constexpr bool starts_with_icase(std::string_view s, std::string_view prefix) noexcept {
    return proto::keyword_prefix(s, prefix);
}

std::optional<std::uint64_t> decimal(std::string_view s, std::size_t max_digits = 20) {
    if (s.empty() || s.size() > max_digits) return std::nullopt;
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// Splits "K1=V1 K2 K3=V3" at spaces (RFC 5321 §4.1.2 Mail-parameters).
std::vector<std::pair<std::string_view, std::optional<std::string_view>>> split_params(std::string_view s) {
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> out;
    while (!s.empty()) {
        const auto start = s.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        s.remove_prefix(start);
        const auto end = s.find(' ');
        const auto word = s.substr(0, end);
        const auto eq = word.find('=');
        if (eq == std::string_view::npos) out.emplace_back(word, std::nullopt);
        else out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
        s.remove_prefix(end == std::string_view::npos ? s.size() : end);
    }
    return out;
}

param_error syntax(std::string text) { return {501, "5.5.4", std::move(text)}; }

// RFC 3461 §4.2 and §4.4: a decoded ORCPT address and ENVID are printable
// US-ASCII (graphic and white space). They end up in DSN header fields, where
// a decoded CR, LF or NUL would start a line of the peer's choosing.
bool dsn_printable(std::string_view s) {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
    }
    return true;
}

// RFC 5322 §3.2.3 atext: the ORCPT addr-type is an atom (RFC 3461 §4.2).
bool atom(std::string_view s) {
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    if (s.empty()) return false;
    for (const char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              specials.find(c) != std::string_view::npos))
            return false;
    return true;
}
param_error unknown_param(std::string_view key) {
    return {555, "5.5.4", "Unsupported parameter " + std::string(key.substr(0, 32))};
}

std::optional<param_error> path_error(const path_result& p) {
    if (!p.error) return std::nullopt;
    switch (*p.error) {
        case address_error::syntax: return param_error{501, "5.1.3", "Bad address syntax"};
        case address_error::source_route: return param_error{501, "5.1.3", "Source routes are not accepted"};
        case address_error::relay_hack: return param_error{501, "5.1.3", "'%' and '!' are not accepted in addresses"};
        case address_error::too_long: return param_error{501, "5.1.3", "Address too long"};
        case address_error::utf8_not_allowed: return param_error{553, "5.6.7", "Non-ASCII address needs SMTPUTF8"};
    }
    return param_error{501, "5.1.3", "Bad address"};
}

}  // namespace

std::optional<command> parse_command(std::string_view line) {
    const auto space = line.find(' ');
    const auto word = line.substr(0, space);
    command c;
    for (const auto& [name, v] : verbs)
        if (iequals(word, name)) c.what = v;
    std::string_view arg = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (c.what == verb::mail || c.what == verb::rcpt) {
        const std::string_view keyword = c.what == verb::mail ? "FROM:" : "TO:";
        if (!starts_with_icase(arg, keyword)) return std::nullopt;
        arg.remove_prefix(keyword.size());
        if (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);  // "MAIL FROM: <a@b>" (Postfix accepts it)
    }
    c.argument = arg;
    return c;
}

std::optional<std::string> decode_xtext(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '+') {
            if (i + 2 >= s.size()) return std::nullopt;
            unsigned v = 0;
            for (int k = 1; k <= 2; ++k) {
                const char h = s[i + static_cast<std::size_t>(k)];
                v <<= 4;
                if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
                else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
                else return std::nullopt;  // RFC 3461 §4: upper-case hex only
            }
            out += static_cast<char>(v);
            i += 2;
        } else if (c < 0x21 || c > 0x7e || c == '=') {
            return std::nullopt;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::variant<mail_command, param_error> parse_mail(std::string_view argument, bool utf8_offered) {
    // SMTPUTF8 decides how the path is read, so look at the parameters first.
    auto probe = parse_path(argument, true, true);
    if (probe.error && *probe.error == address_error::syntax && argument.find('>') == std::string_view::npos)
        return syntax("Syntax: MAIL FROM:<address> [parameters]");
    mail_command m;
    for (const auto& [key, value] : split_params(probe.rest))
        if (iequals(key, "SMTPUTF8")) {
            if (value || !utf8_offered) return unknown_param(key);
            m.params.smtputf8 = true;
        }
    m.path = parse_path(argument, true, m.params.smtputf8);
    if (auto e = path_error(m.path)) return *e;
    if (!m.path.rest.empty() && m.path.rest.front() != ' ') return syntax("Syntax: MAIL FROM:<address> [parameters]");

    bool seen_body = false, seen_size = false, seen_ret = false, seen_envid = false, seen_auth = false;
    for (const auto& [key, value] : split_params(m.path.rest)) {
        if (iequals(key, "SMTPUTF8")) continue;
        if (iequals(key, "SIZE")) {
            auto n = value ? decimal(*value) : std::nullopt;
            if (!n || seen_size) return syntax("Bad SIZE parameter");
            m.params.size = *n;
            seen_size = true;
        } else if (iequals(key, "BODY")) {
            if (!value || seen_body) return syntax("Bad BODY parameter");
            if (iequals(*value, "7BIT")) m.params.body = body_type::seven_bit;
            else if (iequals(*value, "8BITMIME")) m.params.body = body_type::eight_bit_mime;
            else if (iequals(*value, "BINARYMIME")) m.params.body = body_type::binary_mime;
            else return {param_error{504, "5.5.4", "Unsupported BODY type"}};
            seen_body = true;
        } else if (iequals(key, "RET")) {
            if (!value || seen_ret) return syntax("Bad RET parameter");
            if (iequals(*value, "FULL")) m.params.ret = dsn_ret::full;
            else if (iequals(*value, "HDRS")) m.params.ret = dsn_ret::headers;
            else return syntax("Bad RET parameter");
            seen_ret = true;
        } else if (iequals(key, "ENVID")) {
            auto v = value ? decode_xtext(*value) : std::nullopt;
            if (!v || v->size() > 100 || !dsn_printable(*v) || seen_envid)  // RFC 3461 §4.4
                return syntax("Bad ENVID parameter");
            m.params.envid = std::move(*v);
            seen_envid = true;
        } else if (iequals(key, "AUTH")) {
            auto v = value ? decode_xtext(*value) : std::nullopt;
            if (!v || seen_auth) return syntax("Bad AUTH parameter");
            m.params.auth = std::move(*v);
            seen_auth = true;
        } else {
            return unknown_param(key);
        }
    }
    return m;
}

std::variant<rcpt_command, param_error> parse_rcpt(std::string_view argument, bool utf8) {
    rcpt_command r;
    r.path = parse_path(argument, false, utf8);
    if (r.path.error && *r.path.error == address_error::syntax && argument.find('>') == std::string_view::npos)
        return syntax("Syntax: RCPT TO:<address> [parameters]");
    if (auto e = path_error(r.path)) return *e;
    if (!r.path.rest.empty() && r.path.rest.front() != ' ') return syntax("Syntax: RCPT TO:<address> [parameters]");
    bool seen_notify = false, seen_orcpt = false;
    for (const auto& [key, value] : split_params(r.path.rest)) {
        if (iequals(key, "NOTIFY")) {
            // RFC 3461 §4.1: a comma-separated list, so no empty element (",X", "X,,Y", "X,")
            if (!value || seen_notify || value->empty() || value->back() == ',') return syntax("Bad NOTIFY parameter");
            unsigned bits = 0;
            std::string_view list = *value;
            while (!list.empty()) {
                const auto comma = list.find(',');
                const auto item = list.substr(0, comma);
                if (iequals(item, "NEVER")) bits |= 8;
                else if (iequals(item, "SUCCESS")) bits |= 1;
                else if (iequals(item, "FAILURE")) bits |= 2;
                else if (iequals(item, "DELAY")) bits |= 4;
                else return syntax("Bad NOTIFY parameter");
                list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
            }
            if ((bits & 8) && bits != 8) return syntax("NOTIFY=NEVER cannot be combined");  // RFC 3461 §4.1
            r.params.notify = bits;
            seen_notify = true;
        } else if (iequals(key, "ORCPT")) {
            auto v = value ? decode_xtext(*value) : std::nullopt;
            // addr-type ";" xtext (RFC 3461 §4.2), at most 500 characters
            const auto semicolon = v ? v->find(';') : std::string::npos;
            if (semicolon == std::string::npos || !atom(std::string_view(*v).substr(0, semicolon)) ||
                !dsn_printable(*v) || value->size() > 500 || seen_orcpt)
                return syntax("Bad ORCPT parameter");
            r.params.orcpt = std::move(*v);
            seen_orcpt = true;
        } else {
            return unknown_param(key);
        }
    }
    return r;
}

std::optional<bdat_args> parse_bdat(std::string_view argument) {
    const auto space = argument.find(' ');
    auto size = decimal(argument.substr(0, space));
    if (!size) return std::nullopt;
    bdat_args a{*size, false};
    if (space != std::string_view::npos) {
        if (!iequals(argument.substr(space + 1), "LAST")) return std::nullopt;
        a.last = true;
    }
    return a;
}

}  // namespace mailroom::smtp
