#include "common/log_field.hpp"

#include <algorithm>

namespace mailroom {
namespace {

bool bare(unsigned char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; }

}  // namespace

std::string log_field(std::string_view value, std::size_t max) {
    const bool cut = value.size() > max;
    if (cut) value = value.substr(0, max);
    if (!cut && !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return bare(c); }))
        return std::string(value);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    out.reserve(value.size() + 8);
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (bare(c) || c == ' ') {
            out += ch;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    if (cut) out += "...";
    out += '"';
    return out;
}

}  // namespace mailroom
