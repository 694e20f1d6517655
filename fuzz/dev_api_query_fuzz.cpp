// Fuzzes the dev API's search query (src/sandbox/http_api_search.hpp): a
// request target as a client sends it, through http::parse_target, then
// parse_search (with "timeout" allowed, as GET /api/wait does) and
// search_matches against facts cut from the same input. Invariants: nothing
// crashes; a search without criteria matches; an accepted search keeps every term within its limit, a limit in
// 1..max_limit, and dates that parse_iso_date gives back from their own text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/target.hpp"
#include "sandbox/http_api_search.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_date(const std::optional<mailroom::mime::civil_date>& d) {
    if (!d) return;
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", d->year, d->month, d->day);
    check(mailroom::sandbox::parse_iso_date(text) == d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mailroom;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto t = http::parse_target(text);
    if (!t) return 0;
    const sandbox::search_limits lim{64, 20, 5};
    auto r = sandbox::parse_search(t->query, lim, {"timeout"});
    auto* s = std::get_if<sandbox::message_search>(&r);
    if (!s) {
        check(!std::get<sandbox::search_error>(r).message.empty());
        return 0;
    }
    for (const auto* term : {&s->from, &s->to, &s->subject, &s->text})
        check(!*term || (!(*term)->empty() && (*term)->size() <= lim.max_term_bytes));
    check(s->limit >= 1 && s->limit <= lim.max_limit);
    check_date(s->since);
    check_date(s->before);
    sandbox::search_facts f{std::string(text.substr(0, size / 2)), std::string(text.substr(size / 2)),
                            std::string(text), std::string(text), s->since};
    const bool matched = sandbox::search_matches(*s, f);
    // A search of no term and no date is everything.
    if (!s->from && !s->to && !s->subject && !s->text && !s->since && !s->before) check(matched);
    return 0;
}
