#include "http/target.hpp"

namespace mailroom::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 9112 §3.2: the target is visible ASCII; bytes above 0x7E are
// refused too (a client percent-encodes them).
bool allowed_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '#';
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0') return std::nullopt;
        if (c == '+' && plus_is_space) {
            out += ' ';
        } else if (c == '%') {
            if (text.size() - i < 3) return std::nullopt;  // "%" and two hex digits
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            const char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return std::nullopt;
            out += decoded;
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<parsed_target> parse_target(std::string_view target, const target_limits& lim) {
    if (target.empty() || target.size() > lim.max_bytes || target.front() != '/') return std::nullopt;
    for (char c : target)
        if (!allowed_byte(c)) return std::nullopt;
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view()
                                                                      : target.substr(question + 1);

    parsed_target out;
    if (path.size() > 1) {
        std::size_t start = 1;
        for (;;) {
            const auto slash = path.find('/', start);
            const auto raw = path.substr(start,
                                         slash == std::string_view::npos ? std::string_view::npos : slash - start);
            if (out.segments.size() == lim.max_segments) return std::nullopt;
            auto seg = percent_decode(raw, false);
            if (!seg || *seg == "." || *seg == "..") return std::nullopt;
            out.segments.push_back(std::move(*seg));
            if (slash == std::string_view::npos) break;
            start = slash + 1;
        }
    }
    std::size_t start = 0;
    while (start < query.size()) {
        auto amp = query.find('&', start);
        if (amp == std::string_view::npos) amp = query.size();
        const auto piece = query.substr(start, amp - start);
        start = amp + 1;
        if (piece.empty()) continue;  // "a=1&&b=2"
        if (out.query.size() == lim.max_params) return std::nullopt;
        const auto eq = piece.find('=');
        auto name = percent_decode(piece.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
        if (!name || !value) return std::nullopt;
        out.query.push_back({std::move(*name), std::move(*value)});
    }
    return out;
}

const std::string* find_param(const std::vector<query_param>& query, std::string_view name) {
    for (const auto& p : query)
        if (p.name == name) return &p.value;
    return nullptr;
}

}  // namespace mailroom::http
