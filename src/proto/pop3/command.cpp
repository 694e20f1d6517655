#include "proto/pop3/command.hpp"

#include <array>
#include <utility>

#include "proto/common/keyword.hpp"

namespace mailroom::pop3 {
namespace {

constexpr std::array<std::pair<std::string_view, verb>, 16> keywords{{
    {"USER", verb::user},
    {"PASS", verb::pass},
    {"APOP", verb::apop},
    {"AUTH", verb::auth},
    {"STLS", verb::stls},
    {"CAPA", verb::capa},
    {"UTF8", verb::utf8},
    {"QUIT", verb::quit},
    {"STAT", verb::stat},
    {"LIST", verb::list},
    {"RETR", verb::retr},
    {"DELE", verb::dele},
    {"NOOP", verb::noop},
    {"RSET", verb::rset},
    {"TOP", verb::top},
    {"UIDL", verb::uidl},
}};

verb lookup(std::string_view keyword) {
    for (const auto& [name, v] : keywords)
        if (proto::keyword_equals(keyword, name)) return v;
    return verb::unknown;
}

// Control characters have no place in a command line; TAB is tolerated
// inside arguments (some passwords), NUL and CR never are.
bool clean(std::string_view s) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    return true;
}

}  // namespace

parse_result parse_command(std::string_view line, std::size_t max_argument) {
    if (line.empty()) return {std::nullopt, parse_error::empty_line};
    if (!clean(line)) return {std::nullopt, parse_error::bad_characters};

    const auto space = line.find(' ');
    command c;
    c.what = lookup(line.substr(0, space));
    if (space != std::string_view::npos) c.rest = line.substr(space + 1);

    std::string_view r = c.rest;
    while (!r.empty()) {
        const auto start = r.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        r.remove_prefix(start);
        const auto end = r.find(' ');
        auto arg = r.substr(0, end);
        if (arg.size() > max_argument) return {std::nullopt, parse_error::argument_too_long};
        c.args.push_back(arg);
        if (end == std::string_view::npos) break;
        r.remove_prefix(end);
    }
    if (c.rest.size() > max_argument && c.what == verb::pass) return {std::nullopt, parse_error::argument_too_long};
    return {std::move(c), std::nullopt};
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    return v;
}

}  // namespace mailroom::pop3
