// Fuzzes the modified UTF-7 codec of folder names (common/mutf7.hpp): the
// name comes from an IMAP client or a directory another program made.
// Invariants: nothing crashes; whatever decodes re-encodes to the same
// octets (the decoder is strict); whatever encodes decodes back to the
// same UTF-8 and is 7-bit printable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mutf7.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto utf8 = mailroom::mutf7_to_utf8(text)) {
        auto back = mailroom::utf8_to_mutf7(*utf8);
        check(back && *back == text);
    }
    if (auto encoded = mailroom::utf8_to_mutf7(text)) {
        for (char c : *encoded) check(c >= 0x20 && c <= 0x7e);
        auto back = mailroom::mutf7_to_utf8(*encoded);
        check(back && *back == text);
    }
    return 0;
}
