// Fuzzes http::parse_target (src/http/target.hpp), the one parser of HTTP
// input of our own: the request target as Beast hands it over, from any
// client of the HTTP listener. Invariants: nothing crashes; a target that
// parses stays within its limits, has no NUL, "." or ".." segment; parsing
// what percent_decode gives back never yields a longer value than its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/target.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const mailroom::http::target_limits lim{512, 8, 8};
    if (auto t = mailroom::http::parse_target(text, lim)) {
        check(!text.empty() && text.front() == '/' && text.size() <= lim.max_bytes);
        check(t->segments.size() <= lim.max_segments && t->query.size() <= lim.max_params);
        for (const auto& s : t->segments) {
            check(s != "." && s != "..");
            check(s.find('\0') == std::string_view::npos && s.size() <= text.size());
        }
        for (const auto& p : t->query) check(p.name.size() + p.value.size() <= text.size());
    }
    for (bool plus : {false, true})
        if (auto d = mailroom::http::percent_decode(text, plus)) {
            check(d->size() <= text.size());
            check(d->find('\0') == std::string::npos);
        }
    return 0;
}
