// Fuzzes the DATA decoder. Invariants: the data ends exactly after the
// first CRLF "." CRLF (or a leading ".\r\n") and nowhere else - no bare CR
// or LF sequence can end it (SMTP smuggling); feeding the input whole or
// split at the offset given by the first byte gives the same result, and
// the output taken after each part adds up to the whole one's (unless the
// message is too big: then what was taken before is not recalled).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proto/smtp/data_decoder.hpp"

using mailroom::smtp::data_decoder;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t split = data[0];
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

    data_decoder whole(4096, 100);
    const std::size_t used = whole.feed(in);

    std::size_t expected_end = std::string_view::npos;
    if (in.substr(0, 3) == ".\r\n") expected_end = 3;
    else if (auto p = in.find("\r\n.\r\n"); p != std::string_view::npos) expected_end = p + 5;
    if (whole.done() != (expected_end != std::string_view::npos)) std::abort();
    if (whole.done() && used != expected_end) std::abort();
    if (!whole.done() && used != in.size()) std::abort();

    data_decoder parts(4096, 100);
    std::size_t used2 = parts.feed(in.substr(0, split));
    std::string taken = parts.take_output();
    if (!parts.done() && split < in.size()) used2 += parts.feed(in.substr(split));
    taken += parts.take_output();
    if (used2 != used || parts.done() != whole.done() || parts.verdict() != whole.verdict()) std::abort();
    if (whole.verdict() != data_decoder::problem::too_big && taken != whole.take_output()) std::abort();
    return 0;
}
