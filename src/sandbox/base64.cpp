#include "sandbox/base64.hpp"

#include <algorithm>
#include <array>

namespace mailroom::sandbox {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::optional<std::string> decode_base64(std::string_view b64) {
    if (b64.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(b64.size() / 4 * 3);
    for (std::size_t i = 0; i < b64.size(); i += 4) {
        std::array<unsigned, 4> v{};
        unsigned pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = b64[i + k];
            if (c == '=' && i + 4 == b64.size() && k >= 2) {
                ++pad;
                continue;
            }
            const auto at = alphabet.find(c);
            if (at == alphabet.npos || pad != 0) return std::nullopt;  // no data after '='
            v[k] = static_cast<unsigned>(at);
        }
        const unsigned n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out.push_back(static_cast<char>(n >> 16));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
    }
    return out;
}

std::string encode_base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        unsigned v = 0;
        for (std::size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(n > 1 ? alphabet[(v >> 6) & 63] : '=');
        out.push_back(n > 2 ? alphabet[v & 63] : '=');
    }
    return out;
}

}  // namespace mailroom::sandbox
