#include "queue/detail/record.hpp"

#include <fmt/format.h>

#include <charconv>

#include "queue/detail/checksum.hpp"

namespace mailroom::queue::detail {
namespace {

constexpr std::string_view prefix = "message ";

bool parse_number(std::string_view s, int base, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

message_digest digest_of(std::string_view message) noexcept { return {message.size(), checksum(message)}; }

std::string serialize_record(const envelope& env, const message_digest& message) {
    return fmt::format("message {} {:016x}\n", message.size, message.checksum) + serialize_envelope(env);
}

std::optional<record> parse_record(std::string_view text) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos || !text.starts_with(prefix)) return std::nullopt;
    const auto fields = text.substr(prefix.size(), nl - prefix.size());
    const auto sp = fields.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    record r;
    if (!parse_number(fields.substr(0, sp), 10, r.message.size) || fields.size() - sp - 1 != 16 ||
        !parse_number(fields.substr(sp + 1), 16, r.message.checksum))
        return std::nullopt;
    auto env = parse_envelope(text.substr(nl + 1));
    if (!env) return std::nullopt;
    r.env = std::move(*env);
    return r;
}

}  // namespace mailroom::queue::detail
