// imap::detail::cursor (detail/cursor.hpp).
#include "proto/imap/detail/cursor.hpp"

#include "proto/imap/sequence_set.hpp"

namespace mailroom::imap::detail {

bool cursor::keyword(std::string_view k) noexcept {
    if (done() || !is_keyword(args_[pos_], k)) return false;
    ++pos_;
    return true;
}

std::optional<std::string> astring_of(const argument& a) {
    if (!a.is_astring() || a.binary || a.streamed) return std::nullopt;
    return a.text;
}

std::optional<std::string> cursor::astring() {
    if (done()) return std::nullopt;
    auto s = astring_of(args_[pos_]);
    if (s) ++pos_;
    return s;
}

std::optional<std::string> cursor::string() {
    if (done() || !args_[pos_].is_string() || args_[pos_].binary || args_[pos_].streamed) return std::nullopt;
    return args_[pos_++].text;
}

std::optional<std::string> cursor::atom() {
    if (done() || args_[pos_].kind != argument_kind::atom) return std::nullopt;
    return args_[pos_++].text;
}

std::optional<std::uint64_t> cursor::number(std::uint64_t max) {
    if (done() || args_[pos_].kind != argument_kind::atom) return std::nullopt;
    auto n = parse_number(args_[pos_].text, max);
    if (n) ++pos_;
    return n;
}

std::optional<std::uint32_t> cursor::nz_number() {
    if (done() || args_[pos_].kind != argument_kind::atom) return std::nullopt;
    auto n = parse_nz_number(args_[pos_].text);
    if (n) ++pos_;
    return n;
}

bool is_flag(std::string_view t) noexcept {
    if (t.empty()) return false;
    const std::string_view name = t[0] == '\\' ? t.substr(1) : t;
    if (name.empty()) return false;
    // The atom chars of the reader, minus what ATOM-CHAR excludes.
    for (const char c : name)
        if (c == '\\' || c == '%' || c == '*' || c == ']') return false;
    return true;
}

std::optional<std::vector<std::string>> flag_list(const argument& a) {
    if (a.kind != argument_kind::list) return std::nullopt;
    std::vector<std::string> flags;
    for (const auto& f : a.children) {
        if (f.kind != argument_kind::atom || f.glued || !is_flag(f.text)) return std::nullopt;
        flags.push_back(f.text);
    }
    return flags;
}

}  // namespace mailroom::imap::detail
