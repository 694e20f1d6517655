#include "queue/envelope.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>

#include "queue/detail/checksum.hpp"

namespace mailroom::queue {
namespace {

constexpr std::string_view version_1_line = "mailroom-envelope 1";
constexpr std::string_view version_2_line = "mailroom-envelope 2";
constexpr std::string_view version_line = "mailroom-envelope 3";

bool needs_escape(unsigned char c) noexcept { return c <= 0x20 || c >= 0x7f || c == '%'; }

std::string escape(std::string_view value) {
    if (value.empty()) return "-";
    if (value == "-") return "%2D";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (needs_escape(c)) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string> unescape(std::string_view token) {
    if (token == "-") return std::string();
    if (token.empty()) return std::nullopt;
    std::string out;
    out.reserve(token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        const auto c = static_cast<unsigned char>(token[i]);
        if (c != '%') {
            if (needs_escape(c)) return std::nullopt;  // a raw CR, NUL, tab, 8-bit byte
            out += token[i];
            continue;
        }
        if (i + 2 >= token.size()) return std::nullopt;  // "%" or "%4" at the end
        const int hi = hex_digit(token[i + 1]), lo = hex_digit(token[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::int64_t to_ns(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ns(std::int64_t ns) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

template <class Int>
std::optional<Int> parse_int(std::string_view s) {
    Int v{};
    if (s.empty() || s[0] == '+') return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<bool> parse_flag(std::string_view s) {
    if (s == "0") return false;
    if (s == "1") return true;
    return std::nullopt;
}

constexpr std::array<std::string_view, 3> ret_names{"unspecified", "full", "headers"};
constexpr std::array<std::string_view, 3> state_names{"pending", "delivered", "failed"};
constexpr std::array<std::string_view, 3> success_names{"none", "delivered", "relayed"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(std::string_view s, const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<Enum>(i);
    return std::nullopt;
}

// Splits text into '\n'-terminated lines; a last line without '\n' is torn.
class line_reader {
public:
    explicit line_reader(std::string_view text) : rest_(text) {}
    std::optional<std::string_view> next() {
        const auto nl = rest_.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;
        auto line = rest_.substr(0, nl);
        rest_.remove_prefix(nl + 1);
        return line;
    }
    std::string_view rest() const { return rest_; }

private:
    std::string_view rest_;
};

// "key value" with exactly one space; value must be non-empty.
std::optional<std::string_view> value_of(std::optional<std::string_view> line, std::string_view key) {
    if (!line || line->size() <= key.size() + 1 || !line->starts_with(key) || (*line)[key.size()] != ' ')
        return std::nullopt;
    auto v = line->substr(key.size() + 1);
    if (v.find(' ') != std::string_view::npos) return std::nullopt;
    return v;
}

std::optional<std::string> text_field(line_reader& in, std::string_view key) {
    auto v = value_of(in.next(), key);
    if (!v) return std::nullopt;
    return unescape(*v);
}

std::vector<std::string_view> split_spaces(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto sp = s.find(' ');
        out.push_back(s.substr(0, sp));
        if (sp == std::string_view::npos) return out;
        s.remove_prefix(sp + 1);
    }
}

// Version 1 has five fields; version 2 adds remote MTA, DSN status and last
// attempt; version 3 the success notice and the reported flag.
std::optional<recipient> parse_recipient(std::string_view fields_text, int version) {
    const auto f = split_spaces(fields_text);
    if (f.size() != (version == 1 ? 5u : version == 2 ? 8u : 10u)) return std::nullopt;
    auto address = unescape(f[0]);
    auto orcpt = unescape(f[1]);
    auto notify = parse_int<unsigned>(f[2]);
    auto state = parse_name<recipient::status>(f[3], state_names);
    auto error = unescape(f[4]);
    if (!address || !orcpt || !notify || *notify > 15 || !state || !error) return std::nullopt;
    recipient r;
    r.address = std::move(*address);
    r.orcpt = std::move(*orcpt);
    r.notify = *notify;
    r.state = *state;
    r.last_error = std::move(*error);
    if (version == 1) return r;
    auto remote = unescape(f[5]);
    auto status = unescape(f[6]);
    auto last_ns = parse_int<std::int64_t>(f[7]);
    if (!remote || !status || !last_ns) return std::nullopt;
    r.remote_mta = std::move(*remote);
    r.dsn_status = std::move(*status);
    r.last_attempt = from_ns(*last_ns);
    if (version == 2) return r;
    auto success = parse_name<recipient::success_kind>(f[8], success_names);
    auto reported = parse_flag(f[9]);
    if (!success || !reported) return std::nullopt;
    r.success_notice = *success;
    r.reported = *reported;
    return r;
}

}  // namespace

std::string serialize_envelope(const envelope& env) {
    std::string out;
    out.reserve(256 + 64 * env.recipients.size());
    out += version_line;
    out += '\n';
    auto line = [&out](std::string_view key, std::string_view value) {
        out += key;
        out += ' ';
        out += value;
        out += '\n';
    };
    line("id", escape(env.id));
    line("sender", escape(env.sender));
    line("envid", escape(env.envid));
    line("ret", ret_names[static_cast<std::size_t>(env.ret)]);
    line("smtputf8", env.smtputf8 ? "1" : "0");
    line("8bitmime", env.eight_bit ? "1" : "0");
    line("client", escape(env.client_address));
    line("helo", escape(env.helo));
    line("auth", escape(env.auth_user));
    line("arrived", std::to_string(to_ns(env.arrived)));
    line("attempts", std::to_string(env.attempts));
    line("next-attempt", std::to_string(to_ns(env.next_attempt)));
    line("delay-warned", env.delay_warned ? "1" : "0");
    for (const auto& r : env.recipients)
        line("rcpt", fmt::format("{} {} {} {} {} {} {} {} {} {}", escape(r.address), escape(r.orcpt), r.notify,
                                 state_names[static_cast<std::size_t>(r.state)], escape(r.last_error),
                                 escape(r.remote_mta), escape(r.dsn_status), to_ns(r.last_attempt),
                                 success_names[static_cast<std::size_t>(r.success_notice)], r.reported ? 1 : 0));
    line("end", fmt::format("{:016x}", detail::checksum(out)));
    return out;
}

std::optional<envelope> parse_envelope(std::string_view text) {
    // The checksum covers every byte before the last line, so check it first.
    if (text.size() < 2 || text.back() != '\n') return std::nullopt;
    const auto last_start = text.rfind('\n', text.size() - 2);
    if (last_start == std::string_view::npos) return std::nullopt;
    const auto body = text.substr(0, last_start + 1);
    const auto sum = value_of(text.substr(last_start + 1, text.size() - last_start - 2), "end");
    if (!sum || *sum != fmt::format("{:016x}", detail::checksum(body))) return std::nullopt;

    line_reader in(body);
    const auto first = in.next();
    const int version = first == version_line ? 3 : first == version_2_line ? 2 : first == version_1_line ? 1 : 0;
    if (version == 0) return std::nullopt;
    envelope env;
    auto id = text_field(in, "id");
    auto sender = text_field(in, "sender");
    auto envid = text_field(in, "envid");
    auto ret = value_of(in.next(), "ret");
    auto utf8 = value_of(in.next(), "smtputf8");
    auto eight = value_of(in.next(), "8bitmime");
    auto client = text_field(in, "client");
    auto helo = text_field(in, "helo");
    auto auth = text_field(in, "auth");
    auto arrived = value_of(in.next(), "arrived");
    auto attempts = value_of(in.next(), "attempts");
    auto next_attempt = value_of(in.next(), "next-attempt");
    std::optional<bool> warned = false;
    if (version >= 2) {
        auto w = value_of(in.next(), "delay-warned");
        warned = w ? parse_flag(*w) : std::nullopt;
    }
    if (!warned || !id || !sender || !envid || !ret || !utf8 || !eight || !client || !helo || !auth || !arrived ||
        !attempts || !next_attempt)
        return std::nullopt;
    auto ret_value = parse_name<envelope::ret_kind>(*ret, ret_names);
    auto utf8_value = parse_flag(*utf8), eight_value = parse_flag(*eight);
    auto arrived_ns = parse_int<std::int64_t>(*arrived);
    auto attempts_value = parse_int<unsigned>(*attempts);
    auto next_ns = parse_int<std::int64_t>(*next_attempt);
    if (!ret_value || !utf8_value || !eight_value || !arrived_ns || !attempts_value || !next_ns) return std::nullopt;
    env.id = std::move(*id);
    env.sender = std::move(*sender);
    env.envid = std::move(*envid);
    env.ret = *ret_value;
    env.smtputf8 = *utf8_value;
    env.eight_bit = *eight_value;
    env.client_address = std::move(*client);
    env.helo = std::move(*helo);
    env.auth_user = std::move(*auth);
    env.arrived = from_ns(*arrived_ns);
    env.attempts = *attempts_value;
    env.next_attempt = from_ns(*next_ns);
    env.delay_warned = *warned;
    while (auto line = in.next()) {
        if (!line->starts_with("rcpt ")) return std::nullopt;
        auto r = parse_recipient(line->substr(5), version);
        if (!r) return std::nullopt;
        env.recipients.push_back(std::move(*r));
    }
    if (!in.rest().empty()) return std::nullopt;
    return env;
}

}  // namespace mailroom::queue
