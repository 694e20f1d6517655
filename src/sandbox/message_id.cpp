// sandbox message ids and mailbox names (see the header).
#include "sandbox/message_id.hpp"

#include <charconv>

namespace mailroom::sandbox {
namespace {
constexpr std::size_t max_mailbox_name = 320;  // RFC 5321 §4.5.3.1: 64 + 1 + 255
}  // namespace

bool valid_mailbox_name(std::string_view name) {
    if (name.empty() || name.size() > max_mailbox_name) return false;
    const auto at = name.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == name.size() || name.find('@', at + 1) != name.npos)
        return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
    const auto local = name.substr(0, at), domain = name.substr(at + 1);
    for (auto part : {local, domain})
        if (part == "." || part == ".." || part.front() == '.') return false;
    return true;
}

std::optional<message_ref> parse_message_id(std::string_view id) {
    const auto colon = id.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto mailbox = id.substr(0, colon), digits = id.substr(colon + 1);
    if (!valid_mailbox_name(mailbox) || digits.empty() || digits.size() > 10 || digits.front() == '0')
        return std::nullopt;
    std::uint32_t uid = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), uid);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return message_ref{std::string(mailbox), uid};
}

}  // namespace mailroom::sandbox
