// canonical_address (declared in directory.hpp): the one gate every address
// passes before it names a mailbox directory or a database row.
#include <string>

#include "common/errors.hpp"
#include "storage/directory.hpp"

namespace mailroom::storage {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 5322 §3.2.3 atext, without '/': a local part names a directory.
bool is_atext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    constexpr std::string_view specials = "!#$%&'*+-=?^_`{|}~";  // no '/'

    return specials.find(c) != std::string_view::npos;
}

// dot-atom: atext runs separated by single dots, no dot at either end.
bool valid_local_part(std::string_view s) {
    if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

bool valid_domain(std::string_view d) {  // lower-case LDH labels
    if (d.empty() || d.size() > 253) return false;
    std::size_t start = 0;
    while (start <= d.size()) {
        auto dot = d.find('.', start);
        auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}

}  // namespace

result<std::string> canonical_domain(std::string_view domain) {
    std::string d;
    for (char c : domain) d += lower(c);
    if (!valid_domain(d)) return make_error_code(errc::invalid_argument);
    return d;
}

result<std::string> canonical_address(std::string_view address) {
    const auto at = address.find('@');
    if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos)
        return make_error_code(errc::invalid_argument);
    std::string local;
    for (char c : address.substr(0, at)) local += lower(c);
    if (!valid_local_part(local)) return make_error_code(errc::invalid_argument);
    auto domain = canonical_domain(address.substr(at + 1));
    if (!domain) return domain.error();
    return local + "@" + *domain;
}

}  // namespace mailroom::storage
