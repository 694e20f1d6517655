#include "dns/host_name.hpp"

#include <algorithm>

#include "dns/errors.hpp"

namespace mailroom::dns {
namespace {

bool is_letter_or_digit(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ldh_label(std::string_view label) noexcept {
    if (label.empty() || label.size() > max_label_bytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), [](char c) { return is_letter_or_digit(c) || c == '-'; });
}

std::string_view without_trailing_dot(std::string_view name) noexcept {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return name;
}

}  // namespace

bool is_valid_host_name(std::string_view name) noexcept {
    name = without_trailing_dot(name);
    if (name.empty() || name.size() > max_text_name_bytes) return false;
    for (;;) {
        auto dot = name.find('.');
        if (!is_ldh_label(name.substr(0, dot))) return false;
        if (dot == std::string_view::npos) return true;
        name.remove_prefix(dot + 1);
    }
}

bool looks_like_ip_address(std::string_view name) noexcept {
    name = without_trailing_dot(name);
    if (name.find(':') != std::string_view::npos) return true;  // an IPv6 address
    auto last = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
    return !last.empty() && std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string canonical_host_name(std::string_view name) {
    name = without_trailing_dot(name);
    std::string out(name);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

result<wire_name> parse_wire_name(std::span<const std::uint8_t> bytes) {
    std::string text;
    std::size_t pos = 0;
    bool ldh = true;
    for (;;) {
        if (pos >= bytes.size()) return make_error_code(errc::malformed_answer);  // no root label
        const std::uint8_t len = bytes[pos];
        // RFC 1035 §4.1.4: the top two bits 11 mark a pointer; 01 and 10 are
        // extended label types (RFC 6891 §5), never valid here.
        if ((len & 0xC0) != 0) return make_error_code(errc::malformed_answer);
        if (pos + 1 + len > max_wire_name_bytes) return make_error_code(errc::malformed_answer);
        if (len == 0) {
            pos += 1;
            break;
        }
        if (pos + 1 + len > bytes.size()) return make_error_code(errc::malformed_answer);
        std::string_view label(reinterpret_cast<const char*>(bytes.data() + pos + 1), len);
        ldh = ldh && is_ldh_label(label);
        if (!text.empty()) text += '.';
        text.append(label);
        pos += 1 + len;
    }
    if (!ldh) return make_error_code(errc::invalid_name);
    return wire_name{canonical_host_name(text), pos};
}

}  // namespace mailroom::dns
