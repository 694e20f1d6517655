#include "store/maildir/names.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>

#include "common/clock.hpp"

namespace mailroom::store::maildir {
namespace {

constexpr std::pair<char, flag> letters[] = {{'D', draft},
                                             {'F', flagged},
                                             {'R', answered},
                                             {'S', seen},
                                             {'T', deleted}};

// Maildir names carry the host; '/' and ':' would break the name, so they
// are written as octal escapes, as the Maildir convention does.
const std::string& escaped_hostname() {
    static const std::string name = [] {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return std::string("localhost");
        std::string out;
        for (const char* p = buf; *p; ++p) {
            if (*p == '/') out += "\\057";
            else if (*p == ':') out += "\\072";
            else out += *p;
        }
        return out;
    }();
    return name;
}

}  // namespace

std::string_view base_name(std::string_view file_name) { return file_name.substr(0, file_name.find(':')); }

info parse_info(std::string_view name) {
    info out;
    auto colon = name.find(":2,");
    if (colon == std::string_view::npos) return out;
    for (char c : name.substr(colon + 3)) {
        auto it = std::find_if(std::begin(letters), std::end(letters), [c](const auto& l) { return l.first == c; });
        if (it != std::end(letters)) out.flags |= it->second;
        else if (c >= 'a' && c <= 'z') out.keyword_bits |= 1u << (c - 'a');
        else if (out.other.find(c) == std::string::npos) out.other += c;
    }
    std::sort(out.other.begin(), out.other.end());  // as file_name() writes them
    return out;
}

std::string file_name(std::string_view base, const info& i) {
    std::string letters_out = i.other;
    for (const auto& [c, f] : letters)
        if (i.flags & f) letters_out += c;
    for (int k = 0; k < 26; ++k)
        if (i.keyword_bits & (1u << k)) letters_out += static_cast<char>('a' + k);
    std::sort(letters_out.begin(), letters_out.end());
    return std::string(base) + ":2," + letters_out;
}

std::optional<std::uint64_t> size_field(std::string_view base, std::string_view field) {
    auto w = base.find(field);
    if (w == std::string_view::npos) return std::nullopt;
    auto digits = base.substr(w + field.size());
    digits = digits.substr(0, digits.find(','));
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    return v;
}

std::pair<std::uint64_t, std::uint64_t> delivery_time(std::string_view name) {
    std::uint64_t secs = 0, usecs = 0;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), secs);
    if (ec == std::errc{} && name.substr(static_cast<std::size_t>(p - name.data())).starts_with(".M"))
        std::from_chars(p + 2, name.data() + name.size(), usecs);
    return {secs, usecs};
}

// Octets on the wire: every line end CRLF (an LF already preceded by CR
// stays as it is; see pop3::append_multiline_message).
std::uint64_t crlf_size_of(std::string_view content) {
    std::uint64_t n = content.size();
    for (std::size_t i = 0; i < content.size(); ++i)
        if (content[i] == '\n' && (i == 0 || content[i - 1] != '\r')) ++n;
    if (!content.empty() && content.back() != '\n') n += 2;  // the sender adds a final CRLF
    return n;
}

std::string new_unique_name() {
    static std::atomic<std::uint64_t> counter{0};
    static system_random random;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000;
    return fmt::format("{}.M{}P{}Q{}R{:08x}.{}", secs, usecs, ::getpid(), ++counter,
                       static_cast<std::uint32_t>(random.next_u64()), escaped_hostname());
}

std::string new_base_name(std::uint64_t size, std::uint64_t crlf_size) {
    return fmt::format("{},S={},W={}", new_unique_name(), size, crlf_size);
}

}  // namespace mailroom::store::maildir
