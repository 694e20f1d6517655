// Fuzzes the dev API's rendering of a message as a peer sent it over SMTP
// (src/sandbox/http_api_json.hpp): parse_message, message_facts, detail_json
// with small limits, and every leaf part's Content-Type. Invariants: nothing
// crashes; texts stay within their limits; the JSON serialises and parses
// back to the same value; a Content-Type never holds a byte that could end a
// header line or open a quoted string.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mail/mime/parser.hpp"
#include "sandbox/http_api_json.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mailroom;
    const std::string_view stored(reinterpret_cast<const char*>(data), size);
    const mime::parse_limits plim{8, 64};
    auto m = mime::parse_message(stored, plim);
    auto f = sandbox::message_facts(stored, m, 256);
    check(f.text.size() <= 256);
    sandbox::render_limits lim{16, 128, 256};
    auto o = sandbox::detail_json("id", "box", stored, m, lim);
    check(o.at("headers").as_array().size() <= lim.max_headers);
    for (const auto& h : o.at("headers").as_array()) check(h.at("value").as_string().size() <= lim.max_header_bytes);
    for (auto key : {"text", "html"})
        if (!o.at(key).is_null()) check(o.at(key).as_string().size() <= lim.max_text_bytes);
    auto json = boost::json::serialize(o);
    check(boost::json::parse(json) == boost::json::value(o));
    for (std::size_t n = 1;; ++n) {
        const auto* p = sandbox::leaf_part(m, n);
        if (!p) break;
        auto ct = sandbox::part_content_type(*p);
        check(ct.find_first_of("\r\n\"\0", 0, 4) == std::string::npos);
    }
    return 0;
}
